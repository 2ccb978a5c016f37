// cpkg query page: YASGUI against this server's /sparql, one tab per named query.
(function () {
  "use strict";
  var endpoint = new URL("/sparql", window.location.href).href;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "cpkg-yasgui"
  });
  window.__cpkgYasgui = yasgui;  // for tests and the browser console
  fetch("/queries", { headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : []; })
    .then(function (queries) {
      queries.forEach(function (named) {
        var existing = Object.keys(yasgui._tabs || {}).some(function (id) {
          return yasgui.getTab(id).getName() === named.name;
        });
        if (existing) { return; }
        yasgui.addTab(false, { name: named.name, yasqe: { value: named.query },
                               requestConfig: { endpoint: endpoint } });
      });
    });
}());
