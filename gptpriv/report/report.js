(function () {
  function key(cell) { var s = cell.getAttribute('data-sort') || cell.textContent.trim();
    var n = Number(s); return s !== '' && !isNaN(n) ? n : s.toLowerCase(); }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('thead th').forEach(function (th, col) {
      th.setAttribute('aria-sort', 'none');
      th.addEventListener('click', function () {
        var up = th.getAttribute('aria-sort') !== 'ascending';
        table.querySelectorAll('thead th').forEach(function (h) { h.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) { var x = key(a.cells[col]), y = key(b.cells[col]);
          return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1); });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var filter = document.getElementById('filter');
  if (filter) filter.addEventListener('input', function () {
    var q = filter.value.toLowerCase();
    document.querySelectorAll('#conversation-table tbody tr').forEach(function (r) {
      r.hidden = q !== '' && r.textContent.toLowerCase().indexOf(q) < 0; });
  });
})();
