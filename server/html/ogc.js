// The map of an OGC items page: the page's own features (its GeoJSON
// alternate) over the tiles the server names, or else the offline country
// outlines. Leaflet is the one the map page embeds; nothing leaves this
// server unless tiles are configured.
(function () {
  'use strict';
  var el = document.getElementById('ogc-map');
  if (!el || !window.L) {
    return;
  }
  var map = L.map(el, { worldCopyJump: true }).setView([20, 0], 1);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 18,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    }).addTo(map);
  } else {
    fetch(el.dataset.basemap).then(function (r) {
      return r.ok ? r.json() : Promise.reject(new Error('basemap: ' + r.status));
    }).then(function (g) {
      L.geoJSON(g, {
        interactive: false,
        style: { color: '#9a9a9a', weight: 1, fillColor: '#eeeeea', fillOpacity: 1 }
      }).addTo(map).bringToBack();
      map.attributionControl.addAttribution('<a href="https://www.naturalearthdata.com/">Natural Earth</a>');
    }).catch(function (e) { el.dataset.error = String(e); });
  }
  fetch(el.dataset.features, { headers: { Accept: 'application/geo+json' } }).then(function (r) {
    return r.ok ? r.json() : Promise.reject(new Error('features: ' + r.status));
  }).then(function (fc) {
    var layer = L.geoJSON(fc, {
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, { radius: 6, color: '#0b5cad', weight: 2, fillOpacity: 0.6 });
      },
      onEachFeature: function (f, l) {
        // Built as DOM nodes: titles are text from the news, never markup.
        var a = document.createElement('a');
        a.href = el.dataset.items + encodeURIComponent(f.id) + '?f=html';
        a.textContent = (f.properties && (f.properties.title || f.properties.name)) || String(f.id);
        l.bindPopup(a);
      }
    }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) {
      map.fitBounds(b.pad(0.2), { maxZoom: 8 });
    }
    el.dataset.features_drawn = String(fc.features.length);
  }).catch(function (e) { el.dataset.error = String(e); });
})();
