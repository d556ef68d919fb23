(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("control-table");
  if (!form || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var responsibilities = table.getAttribute("data-responsibilities").split(" ");
  var results = table.getAttribute("data-results").split(" ");
  var names = ["responsibility", "result", "team", "service"];
  var status = document.getElementById("filter-status");
  function field(name) { return form.elements.namedItem(name); }
  // Each choice's index in the rows' data, looked up once.
  var indices = {};
  names.forEach(function (n) {
    indices[n] = Object.create(null);
    Array.prototype.forEach.call(field(n).options, function (o) {
      if (o.value !== "") { indices[n][o.value] = o.getAttribute("data-i"); }
    });
  });
  function index(name, value) {
    var i = indices[name][value];
    return i === undefined ? null : i;
  }
  function chosen() {
    var f = {};
    names.forEach(function (n) { if (field(n).value !== "") { f[n] = field(n).value; } });
    return f;
  }
  function shows(row, f) {
    var resp = row.getAttribute("data-responsibility");
    var res = row.getAttribute("data-result");
    if (f.team !== undefined) {
      var teams = row.getAttribute("data-teams").split(" ");
      if (teams.indexOf(index("team", f.team)) < 0) { return false; }
    }
    if (f.service !== undefined) {
      // "*r.x" is the value on every service not listed; "s.r.x" the value on service s.
      var wanted = index("service", f.service);
      var pair = null;
      var common = null;
      row.getAttribute("data-pairs").split(" ").forEach(function (token) {
        if (token.charAt(0) === "*") { common = token.slice(1).split("."); return; }
        var parts = token.split(".");
        if (parts[0] === wanted) { pair = parts.slice(1); }
      });
      if (pair === null) { pair = common; }
      if (pair === null) { return false; }
      resp = responsibilities[Number(pair[0])];
      res = results[Number(pair[1])];
    }
    if (f.responsibility !== undefined && resp !== f.responsibility) { return false; }
    if (f.result !== undefined && res !== f.result) { return false; }
    return true;
  }
  function apply(f) {
    var shown = 0;
    rows.forEach(function (row) {
      var show = shows(row, f);
      row.hidden = !show;
      if (show) { shown += 1; }
    });
    var parts = names.filter(function (n) { return f[n] !== undefined; })
      .map(function (n) { return n + ": " + f[n]; });
    status.textContent = parts.length === 0
      ? "Showing all " + rows.length + " controls."
      : "Showing " + shown + " of " + rows.length + " controls (" + parts.join(", ") + ").";
    table.setAttribute("data-shown", String(shown));
  }
  function fragment(f) {
    var parts = names.filter(function (n) { return f[n] !== undefined; })
      .map(function (n) { return n + ":" + encodeURIComponent(f[n]); });
    return parts.length === 0 ? "" : "#filter=" + parts.join(";");
  }
  function fromFragment() {
    var hash = window.location.hash;
    if (hash.indexOf("#filter=") !== 0) { return false; }
    var f = {};
    hash.slice(8).split(";").forEach(function (part) {
      var at = part.indexOf(":");
      if (at < 0) { return; }
      var name = part.slice(0, at);
      var value;
      try { value = decodeURIComponent(part.slice(at + 1)); } catch (e) { return; }
      if (names.indexOf(name) >= 0 && index(name, value) !== null) { f[name] = value; }
    });
    names.forEach(function (n) { field(n).value = f[n] === undefined ? "" : f[n]; });
    apply(f);
    return true;
  }
  form.addEventListener("change", function () {
    var f = chosen();
    apply(f);
    var url = window.location.href.split("#")[0] + fragment(f);
    try { window.history.replaceState(null, "", url); } catch (e) { /* a file: page may refuse */ }
  });
  form.addEventListener("reset", function () {
    window.setTimeout(function () { form.dispatchEvent(new Event("change")); }, 0);
  });
  // A link to a control the filters hide (from a finding, say) shows all controls again.
  function reveal() {
    var hash = window.location.hash;
    if (hash.indexOf("#ctrl-") !== 0) { return; }
    var row;
    try { row = document.getElementById(decodeURIComponent(hash.slice(1))); } catch (e) { return; }
    if (row && row.hidden) {
      names.forEach(function (n) { field(n).value = ""; });
      apply({});
      row.scrollIntoView();
    }
  }
  // A shared link to a filtered view opens on the table.
  function onTable() {
    if (form.getBoundingClientRect().top > window.innerHeight) { form.scrollIntoView(); }
  }
  window.addEventListener("hashchange", function () {
    if (fromFragment()) { onTable(); } else { reveal(); }
  });
  form.hidden = false;
  if (fromFragment()) { onTable(); } else { apply({}); }
}());
