// embedflow's HTML map: draws every row of the page's JSON data on a canvas, with pan and zoom,
// hover, search, legend toggling, box and lasso selection and a CSV download of the selection.
// Points are stamped into one ImageData per frame (typed arrays, no object per point), so a
// million points redraw in tens of milliseconds without WebGL. Text from the data is only ever
// written with textContent or fillText, never parsed as HTML.
(function () {
  "use strict";
  // While the view moves, frames draw an even sample of at most MOVING_POINTS points; the whole
  // map is drawn again SETTLE_MS after the last move (a 1M-point frame takes ~50-100 ms on a slow CPU).
  var MOVING_POINTS = 250000,
    SETTLE_MS = 150;
  var MAX_RINGS = 20000,
    HOVER_PX = 10,
    MAX_POINT_LABELS = 40,
    MAX_MATCH_LABELS = 30,
    MAX_IMAGES = 400;
  var data = JSON.parse(document.getElementById("embedflow-map-data").textContent);
  var n = data.count;

  function decode(text, Type) {
    var bin = atob(text),
      bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Type(bytes.buffer);
  }
  function uintType(bytes) {
    return bytes === 1 ? Uint8Array : bytes === 2 ? Uint16Array : Uint32Array;
  }

  var xy = decode(data.xy, Float32Array);
  var rowOf = data.row ? decode(data.row, Int32Array) : null;
  var colour = data.color,
    colorIndex = decode(colour.index, uintType(colour.bytes));
  var sizes = data.size ? decode(data.size, Uint8Array) : null;
  var hidden = new Uint8Array(colour.colors.length);
  var columns = data.columns.map(function (c) {
    return c.values
      ? {
          name: c.name,
          at: function (i) {
            return c.values[i];
          },
          column: c,
        }
      : {
          name: c.name,
          codes: decode(c.codes, uintType(c.bytes)),
          dictionary: c.dictionary,
          column: c,
          at: function (i) {
            return this.dictionary[this.codes[i]];
          },
        };
  });
  var thumbs = data.thumbs || null;
  function row(i) {
    return rowOf ? rowOf[i] : i;
  }

  // Packed colours for the ImageData (little-endian RGBA), blended over white by their alpha.
  var packed = new Uint32Array(colour.colors.length);
  colour.colors.forEach(function (c, k) {
    var a = c[3] / 255,
      mix = function (v) {
        return Math.round(v * a + 255 * (1 - a));
      };
    packed[k] = ((255 << 24) | (mix(c[2]) << 16) | (mix(c[1]) << 8) | mix(c[0])) >>> 0;
  });
  function css(k) {
    var c = colour.colors[k];
    return "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")";
  }

  // -- view ---------------------------------------------------------------------------------
  var mapBox = document.getElementById("map"),
    pointsCanvas = document.getElementById("points");
  var overlay = document.getElementById("overlay"),
    tooltip = document.getElementById("tooltip");
  var pctx = pointsCanvas.getContext("2d"),
    octx = overlay.getContext("2d");
  var view = { cx: 0, cy: 0, scale: 1 },
    width = 0,
    height = 0;
  var low = [Infinity, Infinity],
    high = [-Infinity, -Infinity];
  for (var i = 0; i < n; i++) {
    var x = xy[2 * i],
      y = xy[2 * i + 1];
    if (x < low[0]) low[0] = x;
    if (x > high[0]) high[0] = x;
    if (y < low[1]) low[1] = y;
    if (y > high[1]) high[1] = y;
  }
  var fullScale = 1; // the scale that shows every point
  function fit(lo, hi) {
    var spanX = Math.max(hi[0] - lo[0], 1e-9),
      spanY = Math.max(hi[1] - lo[1], 1e-9);
    view.cx = (lo[0] + hi[0]) / 2;
    view.cy = (lo[1] + hi[1]) / 2;
    view.scale = Math.min(width / spanX, height / spanY) * 0.92;
    if (!isFinite(view.scale) || view.scale <= 0) view.scale = 1;
  }
  function toPx(x) {
    return (x - view.cx) * view.scale + width / 2;
  }
  function toPy(y) {
    return height / 2 - (y - view.cy) * view.scale;
  }
  function toX(px) {
    return (px - width / 2) / view.scale + view.cx;
  }
  function toY(py) {
    return view.cy - (py - height / 2) / view.scale;
  }

  // -- drawing ------------------------------------------------------------------------------
  var discs = [];
  function disc(r) {
    if (!discs[r]) {
      var dx = [],
        dy = [];
      for (var a = -r; a <= r; a++)
        for (var b = -r; b <= r; b++)
          if (a * a + b * b <= r * r + r) {
            dx.push(b);
            dy.push(a);
          }
      discs[r] = { dx: Int32Array.from(dx), dy: Int32Array.from(dy) };
    }
    return discs[r];
  }
  function radiusOf(i) {
    var size = sizes ? sizes[i] : data.pointSize;
    var r = Math.max(1, Math.round(size / 2 - 1));
    return n > 200000 ? Math.min(r, 2) : r;
  }
  function drawPoints() {
    if (width < 1 || height < 1) return;
    var image = pctx.createImageData(width, height),
      buf = new Uint32Array(image.data.buffer);
    buf.fill(0xffffffff);
    var s = view.scale,
      ox = width / 2 - view.cx * s,
      oy = height / 2 + view.cy * s;
    var step = moving ? Math.max(1, Math.ceil(n / MOVING_POINTS)) : 1;
    for (var i = 0; i < n; i += step) {
      var k = colorIndex[i];
      if (hidden[k]) continue;
      var px = (xy[2 * i] * s + ox) | 0,
        py = (oy - xy[2 * i + 1] * s) | 0;
      var r = radiusOf(i);
      if (px < -r || py < -r || px >= width + r || py >= height + r) continue;
      var d = disc(r),
        colourValue = packed[k],
        m = d.dx.length;
      if (px >= r && py >= r && px < width - r && py < height - r) {
        var centre = py * width + px;
        for (var j = 0; j < m; j++) buf[centre + d.dy[j] * width + d.dx[j]] = colourValue;
      } else {
        for (var q = 0; q < m; q++) {
          var tx = px + d.dx[q],
            ty = py + d.dy[q];
          if (tx >= 0 && ty >= 0 && tx < width && ty < height) buf[ty * width + tx] = colourValue;
        }
      }
    }
    pctx.putImageData(image, 0, 0);
  }

  var selected = new Uint8Array(n),
    selectedCount = 0,
    matches = new Int32Array(0);
  var hovered = -1,
    gesture = null,
    showImages = false,
    imageCache = {};

  function visible(i) {
    var px = toPx(xy[2 * i]),
      py = toPy(xy[2 * i + 1]);
    return px >= 0 && py >= 0 && px < width && py < height && !hidden[colorIndex[i]];
  }
  function ring(i, grow, style, lineWidth) {
    var r = (sizes ? sizes[i] : data.pointSize) / 2 + grow;
    octx.beginPath();
    octx.arc(toPx(xy[2 * i]), toPy(xy[2 * i + 1]), r, 0, 2 * Math.PI);
    octx.strokeStyle = style;
    octx.lineWidth = lineWidth;
    octx.stroke();
  }
  function text(value, x, y, font, fill, boxes) {
    octx.font = font;
    var w = octx.measureText(value).width,
      left = octx.textAlign === "center" ? x - w / 2 : x;
    var box = [left - 2, y - 9, w + 4, 16];
    if (boxes) {
      for (var b = 0; b < boxes.length; b++) {
        var o = boxes[b];
        if (box[0] < o[0] + o[2] && o[0] < box[0] + box[2] && box[1] < o[1] + o[3] && o[1] < box[1] + box[3])
          return false;
      }
      boxes.push(box);
    }
    octx.lineWidth = 3;
    octx.strokeStyle = "rgba(255,255,255,0.85)";
    octx.strokeText(value, x, y);
    octx.fillStyle = fill;
    octx.fillText(value, x, y);
    return true;
  }
  function labelOf(i) {
    return columns.length ? String(columns[0].at(i)) : "";
  }
  function drawImages() {
    // Sized to share the map between the images shown, growing as the user zooms in.
    var fitted = Math.sqrt((width * height) / Math.max(1, Math.min(n, MAX_IMAGES))) * 0.3;
    var zoom = Math.sqrt(view.scale / fullScale);
    var side = Math.max(20, Math.min(64, Math.round(fitted * zoom))),
      drawn = 0;
    for (var i = 0; i < thumbs.length && drawn < MAX_IMAGES; i++) {
      if (!thumbs[i] || !visible(i)) continue;
      var image = imageCache[i];
      if (!image) {
        image = imageCache[i] = new Image();
        image.onload = scheduleOverlay;
        image.src = thumbs[i];
      }
      if (image.complete && image.naturalWidth) {
        var f = side / Math.max(image.naturalWidth, image.naturalHeight);
        var w = image.naturalWidth * f,
          h = image.naturalHeight * f,
          left = toPx(xy[2 * i]) - w / 2,
          top = toPy(xy[2 * i + 1]) - h / 2;
        // Framed in its point's colour, as on the canvas, so the legend still reads.
        octx.fillStyle = css(colorIndex[i]);
        octx.fillRect(left - 2, top - 2, w + 4, h + 4);
        octx.drawImage(image, left, top, w, h);
      }
      drawn++;
    }
  }
  function drawOverlay() {
    octx.clearRect(0, 0, width, height);
    if (showImages && thumbs) drawImages();
    var rings = 0;
    if (selectedCount <= MAX_RINGS) {
      for (var i = 0; i < n && rings < selectedCount; i++)
        if (selected[i]) {
          rings++;
          if (visible(i)) ring(i, 2.5, "#141414", 1.5);
        }
    }
    if (matches.length <= MAX_RINGS)
      for (var m = 0; m < matches.length; m++) if (visible(matches[m])) ring(matches[m], 4.5, "#c800a0", 2);
    var boxes = [];
    octx.textBaseline = "middle";
    octx.textAlign = "center";
    data.clusters.forEach(function (c) {
      text(String(c[0]), toPx(c[1]), toPy(c[2]), "bold 14px system-ui, sans-serif", "#141414", boxes);
    });
    octx.textAlign = "left";
    var shown = 0;
    for (var k = 0; k < matches.length && shown < MAX_MATCH_LABELS && columns.length; k++) {
      var j = matches[k];
      if (
        visible(j) &&
        text(
          labelOf(j),
          toPx(xy[2 * j]) + 8,
          toPy(xy[2 * j + 1]),
          "bold 12px system-ui, sans-serif",
          "#960078",
          boxes,
        )
      )
        shown++;
    }
    shown = 0;
    if (!showImages && columns.length) {
      for (var t = 0; t < data.isolated.length && shown < MAX_POINT_LABELS; t++) {
        var p = data.isolated[t];
        if (
          visible(p) &&
          text(
            labelOf(p),
            toPx(xy[2 * p]) + 6,
            toPy(xy[2 * p + 1]),
            "11px system-ui, sans-serif",
            "#464646",
            boxes,
          )
        )
          shown++;
      }
    }
    if (hovered >= 0) ring(hovered, 3, "#e6550d", 2);
    if (gesture && gesture.mode === "box") {
      octx.fillStyle = "rgba(40,90,200,0.15)";
      octx.strokeStyle = "rgb(40,90,200)";
      octx.lineWidth = 1.5;
      octx.fillRect(gesture.x0, gesture.y0, gesture.x1 - gesture.x0, gesture.y1 - gesture.y0);
      octx.strokeRect(gesture.x0, gesture.y0, gesture.x1 - gesture.x0, gesture.y1 - gesture.y0);
    } else if (gesture && gesture.mode === "lasso" && gesture.path.length > 1) {
      octx.beginPath();
      octx.moveTo(gesture.path[0][0], gesture.path[0][1]);
      gesture.path.forEach(function (q) {
        octx.lineTo(q[0], q[1]);
      });
      octx.closePath();
      octx.fillStyle = "rgba(40,90,200,0.15)";
      octx.fill();
      octx.strokeStyle = "rgb(40,90,200)";
      octx.lineWidth = 1.5;
      octx.stroke();
    }
  }
  var pendingPoints = false,
    pendingOverlay = false,
    moving = false,
    settle = 0;
  function schedule() {
    pendingPoints = true;
    scheduleOverlay();
  }
  function scheduleMove() {
    moving = n > MOVING_POINTS;
    clearTimeout(settle);
    if (moving)
      settle = setTimeout(function () {
        moving = false;
        schedule();
      }, SETTLE_MS);
    schedule();
  }
  function scheduleOverlay() {
    if (pendingOverlay) return;
    pendingOverlay = true;
    requestAnimationFrame(function () {
      if (pendingPoints) drawPoints();
      drawOverlay();
      pendingPoints = pendingOverlay = false;
    });
  }
  function resize() {
    var w = mapBox.clientWidth,
      h = mapBox.clientHeight,
      first = width === 0;
    if (w === width && h === height) return;
    width = pointsCanvas.width = overlay.width = w;
    height = pointsCanvas.height = overlay.height = h;
    if (first) {
      fit(low, high);
      fullScale = view.scale;
    }
    schedule();
  }

  // -- hover: a uniform grid over the points, built once ----------------------------------------
  var grid = (function () {
    var cells = Math.max(1, Math.min(2048, Math.ceil(Math.sqrt(n / 4))));
    var sx = cells / Math.max(high[0] - low[0], 1e-12),
      sy = cells / Math.max(high[1] - low[1], 1e-12);
    var cellOf = new Int32Array(n),
      start = new Int32Array(cells * cells + 1);
    for (var i = 0; i < n; i++) {
      var cx = Math.min(cells - 1, ((xy[2 * i] - low[0]) * sx) | 0),
        cy = Math.min(cells - 1, ((xy[2 * i + 1] - low[1]) * sy) | 0);
      cellOf[i] = cy * cells + cx;
      start[cellOf[i] + 1]++;
    }
    for (var c = 0; c < cells * cells; c++) start[c + 1] += start[c];
    var fill = start.slice(0, cells * cells),
      order = new Int32Array(n);
    for (var p = 0; p < n; p++) order[fill[cellOf[p]]++] = p;
    return { cells: cells, sx: sx, sy: sy, start: start, order: order };
  })();
  function nearest(px, py) {
    var x = toX(px),
      y = toY(py),
      reach = HOVER_PX / view.scale,
      best = -1,
      bestD = HOVER_PX * HOVER_PX;
    var c0 = Math.max(0, Math.floor((x - reach - low[0]) * grid.sx)),
      c1 = Math.min(grid.cells - 1, Math.floor((x + reach - low[0]) * grid.sx));
    var r0 = Math.max(0, Math.floor((y - reach - low[1]) * grid.sy)),
      r1 = Math.min(grid.cells - 1, Math.floor((y + reach - low[1]) * grid.sy));
    if ((c1 - c0 + 1) * (r1 - r0 + 1) > 250000) return -1;
    for (var r = r0; r <= r1; r++) {
      for (var c = c0; c <= c1; c++) {
        var cell = r * grid.cells + c;
        for (var k = grid.start[cell]; k < grid.start[cell + 1]; k++) {
          var i = grid.order[k];
          if (hidden[colorIndex[i]]) continue;
          var dx = toPx(xy[2 * i]) - px,
            dy = toPy(xy[2 * i + 1]) - py,
            d = dx * dx + dy * dy;
          if (d <= bestD) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }
  function showTooltip(i, px, py) {
    tooltip.textContent = "";
    if (thumbs && thumbs[i]) {
      var image = document.createElement("img");
      image.src = thumbs[i];
      image.alt = "";
      tooltip.appendChild(image);
    }
    var lines = columns.map(function (c, k) {
      var value = String(c.at(i));
      return k === 0 && c.name === "label" ? value : c.name + ": " + value;
    });
    lines.push("row " + row(i));
    tooltip.appendChild(document.createTextNode(lines.join("\n")));
    tooltip.hidden = false;
    tooltip.style.left = Math.min(px + 14, Math.max(0, width - tooltip.offsetWidth)) + "px";
    tooltip.style.top = Math.min(py + 14, Math.max(0, height - tooltip.offsetHeight)) + "px";
  }

  // -- search ---------------------------------------------------------------------------------
  var lowered = [];
  function search(value) {
    var needle = String(value == null ? "" : value)
        .trim()
        .toLowerCase(),
      hit = new Uint8Array(n);
    if (needle) {
      columns.forEach(function (c, k) {
        if (c.dictionary) {
          var good = c.dictionary.map(function (v) {
            return v.toLowerCase().indexOf(needle) >= 0;
          });
          for (var i = 0; i < n; i++) if (good[c.codes[i]]) hit[i] = 1;
        } else {
          if (!lowered[k])
            lowered[k] = c.column.values.map(function (v) {
              return v.toLowerCase();
            });
          var values = lowered[k];
          for (var j = 0; j < n; j++) if (values[j].indexOf(needle) >= 0) hit[j] = 1;
        }
      });
    }
    var found = [];
    for (var r = 0; r < n; r++) if (hit[r]) found.push(r);
    matches = Int32Array.from(found);
    document.getElementById("search-status").textContent = needle
      ? matches.length.toLocaleString("en") + (matches.length === 1 ? " match" : " matches")
      : "";
    scheduleOverlay();
    return matches.length;
  }
  function centreOnMatches() {
    if (!matches.length) return;
    var lo = [Infinity, Infinity],
      hi = [-Infinity, -Infinity];
    for (var m = 0; m < matches.length; m++) {
      var i = matches[m];
      lo[0] = Math.min(lo[0], xy[2 * i]);
      hi[0] = Math.max(hi[0], xy[2 * i]);
      lo[1] = Math.min(lo[1], xy[2 * i + 1]);
      hi[1] = Math.max(hi[1], xy[2 * i + 1]);
    }
    var scale = view.scale;
    if ((hi[0] - lo[0]) * scale > width * 0.9 || (hi[1] - lo[1]) * scale > height * 0.9) {
      fit(lo, hi);
      view.scale = Math.min(view.scale, scale);
    } else {
      view.cx = (lo[0] + hi[0]) / 2;
      view.cy = (lo[1] + hi[1]) / 2;
    }
    schedule();
  }

  // -- selection --------------------------------------------------------------------------------
  function setSelection(mask, add) {
    if (!add) selected.fill(0);
    for (var i = 0; i < n; i++) if (mask(i) && !hidden[colorIndex[i]]) selected[i] = 1;
    selectedCount = 0;
    for (var j = 0; j < n; j++) selectedCount += selected[j];
    document.getElementById("selection-status").textContent =
      selectedCount.toLocaleString("en") + " selected";
    document.getElementById("download").disabled = document.getElementById("clear").disabled =
      selectedCount === 0;
    scheduleOverlay();
  }
  function selectBox(g, add) {
    var x0 = toX(Math.min(g.x0, g.x1)),
      x1 = toX(Math.max(g.x0, g.x1));
    var y0 = toY(Math.max(g.y0, g.y1)),
      y1 = toY(Math.min(g.y0, g.y1));
    setSelection(function (i) {
      var x = xy[2 * i],
        y = xy[2 * i + 1];
      return x >= x0 && x <= x1 && y >= y0 && y <= y1;
    }, add);
  }
  function selectLasso(path, add) {
    var poly = path.map(function (p) {
      return [toX(p[0]), toY(p[1])];
    });
    if (poly.length < 3)
      return setSelection(function () {
        return false;
      }, add);
    var lo = [Infinity, Infinity],
      hi = [-Infinity, -Infinity];
    poly.forEach(function (p) {
      lo[0] = Math.min(lo[0], p[0]);
      hi[0] = Math.max(hi[0], p[0]);
      lo[1] = Math.min(lo[1], p[1]);
      hi[1] = Math.max(hi[1], p[1]);
    });
    setSelection(function (i) {
      var x = xy[2 * i],
        y = xy[2 * i + 1];
      if (x < lo[0] || x > hi[0] || y < lo[1] || y > hi[1]) return false;
      var inside = false;
      for (var a = 0, b = poly.length - 1; a < poly.length; b = a++) {
        if (
          poly[a][1] > y !== poly[b][1] > y &&
          x < poly[a][0] + ((y - poly[a][1]) * (poly[b][0] - poly[a][0])) / (poly[b][1] - poly[a][1])
        )
          inside = !inside;
      }
      return inside;
    }, add);
  }
  function selectedRows() {
    var rows = [];
    for (var i = 0; i < n; i++) if (selected[i]) rows.push(row(i));
    return rows.sort(function (a, b) {
      return a - b;
    });
  }
  function csvCell(value) {
    var s = String(value);
    return /[",\r\n]/.test(s) || s !== s.trim() ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function downloadSelection() {
    var lines = [
      ["row", "x", "y"]
        .concat(
          columns.map(function (c) {
            return c.name;
          }),
        )
        .map(csvCell)
        .join(","),
    ];
    var order = [];
    for (var i = 0; i < n; i++) if (selected[i]) order.push(i);
    order.sort(function (a, b) {
      return row(a) - row(b);
    });
    order.forEach(function (i) {
      lines.push(
        [row(i), xy[2 * i], xy[2 * i + 1]]
          .concat(
            columns.map(function (c) {
              return c.at(i);
            }),
          )
          .map(csvCell)
          .join(","),
      );
    });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(
      new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" }),
    );
    link.download = "selected-rows.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
    }, 60000);
  }

  // -- legend -----------------------------------------------------------------------------------
  function buildLegend() {
    var aside = document.getElementById("legend");
    var heading = document.createElement("h2");
    heading.textContent = colour.title || "";
    aside.appendChild(heading);
    if (colour.kind === "categorical") {
      colour.legend.forEach(function (entry) {
        var button = document.createElement("button"),
          swatch = document.createElement("span");
        var name = document.createElement("span"),
          count = document.createElement("span");
        button.type = "button";
        button.title = "Click to hide or show";
        button.dataset.index = entry[1];
        swatch.className = "swatch";
        swatch.style.background = css(entry[1]);
        name.textContent = entry[0];
        count.className = "count";
        count.textContent = entry[2].toLocaleString("en");
        button.append(swatch, name, count);
        button.addEventListener("click", function () {
          hidden[entry[1]] = hidden[entry[1]] ? 0 : 1;
          button.classList.toggle("off", !!hidden[entry[1]]);
          if (hovered >= 0 && hidden[colorIndex[hovered]]) {
            hovered = -1;
            tooltip.hidden = true;
          }
          schedule();
        });
        aside.appendChild(button);
      });
    } else if (colour.kind === "continuous" && colour.range) {
      var bar = document.createElement("div"),
        strip = document.createElement("canvas"),
        ticks = document.createElement("div");
      bar.className = "bar";
      ticks.className = "ticks";
      var steps = colour.colors.length - 1;
      strip.width = 16;
      strip.height = 200;
      strip.id = "colour-bar";
      var sctx = strip.getContext("2d");
      for (var yy = 0; yy < 200; yy++) {
        sctx.fillStyle = css(Math.round((1 - yy / 199) * (steps - 1)));
        sctx.fillRect(0, yy, 16, 1);
      }
      [colour.range[1], (colour.range[0] + colour.range[1]) / 2, colour.range[0]].forEach(function (v) {
        var t = document.createElement("span");
        t.textContent = Number(v.toPrecision(3)).toLocaleString("en");
        ticks.appendChild(t);
      });
      bar.append(strip, ticks);
      aside.appendChild(bar);
    } else {
      aside.hidden = true;
    }
  }

  // -- pointer ----------------------------------------------------------------------------------
  function mode() {
    return document.querySelector('input[name="mode"]:checked').value;
  }
  function position(ev) {
    var b = overlay.getBoundingClientRect();
    return [ev.clientX - b.left, ev.clientY - b.top];
  }
  overlay.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0) return;
    var p = position(ev),
      m = mode();
    overlay.setPointerCapture(ev.pointerId);
    gesture = {
      mode: m,
      x0: p[0],
      y0: p[1],
      x1: p[0],
      y1: p[1],
      path: [p],
      add: ev.shiftKey,
      cx: view.cx,
      cy: view.cy,
    };
  });
  overlay.addEventListener("pointermove", function (ev) {
    var p = position(ev);
    if (gesture) {
      gesture.x1 = p[0];
      gesture.y1 = p[1];
      if (gesture.mode === "pan") {
        view.cx = gesture.cx - (p[0] - gesture.x0) / view.scale;
        view.cy = gesture.cy + (p[1] - gesture.y0) / view.scale;
        scheduleMove();
      } else {
        if (gesture.mode === "lasso") gesture.path.push(p);
        scheduleOverlay();
      }
      return;
    }
    var i = nearest(p[0], p[1]);
    if (i !== hovered) {
      hovered = i;
      scheduleOverlay();
    }
    if (i >= 0) showTooltip(i, p[0], p[1]);
    else tooltip.hidden = true;
  });
  overlay.addEventListener("pointerup", function () {
    var g = gesture;
    gesture = null;
    if (!g) return;
    if (g.mode === "box") selectBox(g, g.add);
    else if (g.mode === "lasso") selectLasso(g.path, g.add);
    scheduleOverlay();
  });
  overlay.addEventListener("pointerleave", function () {
    if (!gesture) {
      hovered = -1;
      tooltip.hidden = true;
      scheduleOverlay();
    }
  });
  overlay.addEventListener(
    "wheel",
    function (ev) {
      ev.preventDefault();
      var p = position(ev),
        x = toX(p[0]),
        y = toY(p[1]);
      view.scale *= Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015));
      view.cx = x - (p[0] - width / 2) / view.scale;
      view.cy = y + (p[1] - height / 2) / view.scale;
      scheduleMove();
    },
    { passive: false },
  );
  document.querySelectorAll('input[name="mode"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      overlay.classList.toggle("selecting", mode() !== "pan");
    });
  });

  // -- controls ---------------------------------------------------------------------------------
  var box = document.getElementById("search");
  box.addEventListener("input", function () {
    search(box.value);
  });
  box.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      search(box.value);
      centreOnMatches();
    }
  });
  document.getElementById("reset").addEventListener("click", function () {
    fit(low, high);
    schedule();
  });
  document.getElementById("clear").addEventListener("click", function () {
    setSelection(function () {
      return false;
    }, false);
  });
  document.getElementById("download").addEventListener("click", downloadSelection);
  if (thumbs) {
    document.getElementById("images-choice").hidden = false;
    document.getElementById("images").addEventListener("change", function (ev) {
      showImages = ev.target.checked;
      scheduleOverlay();
    });
  }
  window.addEventListener("resize", resize);

  buildLegend();
  resize();
  drawPoints();
  drawOverlay();
  pendingPoints = pendingOverlay = false;
  window.embedflowMap = Object.freeze({
    count: n,
    search: function (value) {
      box.value = String(value == null ? "" : value);
      return search(box.value);
    },
    selected: selectedRows,
  });
})();
