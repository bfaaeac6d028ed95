// The live page: one WebSocket, messages of type status, series, frames, frame and preview.
// window.edgeViewer holds what is shown, for anyone (a test, a console) to read.
"use strict";

const viewer = (window.edgeViewer = {
  endpoint: null, status: null, series: null, frames: [], preview: null, drawn: 0, connection: "connecting",
  ellipseColours: [],
});
const OLD_FRAMES = 20; // a track this many frames old or more gets the oldest colour
const SILENT_MS = 3000; // the service publishes status every second: three seconds without one, it is not there
let silence = null;
const $ = (id) => document.getElementById(id);
const fixed = (value, digits) => (value === null || value === undefined ? "-" : Number(value).toFixed(digits));

function connect() {
  const socket = new WebSocket(`ws://${location.host}/ws`);
  socket.onopen = () => showConnection("connecting", "connecting to the service", "waiting");
  socket.onclose = () => {
    showConnection("viewer lost", "the viewer is not answering, retrying", "closed");
    setTimeout(connect, 1000);
  };
  socket.onmessage = (event) => handle(JSON.parse(event.data));
}

function showConnection(state, text, className) {
  viewer.connection = state;
  $("connection").textContent = text;
  $("connection").className = className;
}

// No status within SILENT_MS: nothing publishes at the endpoint (a typo, a service not started or gone).
function awaitStatus() {
  clearTimeout(silence);
  silence = setTimeout(() => showConnection("no service", `no service at ${viewer.endpoint}`, "closed"), SILENT_MS);
}

function handle(message) {
  if (message.type === "hello") { viewer.endpoint = message.endpoint; awaitStatus(); }
  else if (message.type === "status") { showStatus(message); showConnection("live", "live", "open"); awaitStatus(); }
  else if (message.type === "series") showSeries(message);
  else if (message.type === "frames") { viewer.frames = message.frames; drawTrend(); }
  else if (message.type === "frame") showFrame(message);
  else if (message.type === "preview") showPreview(message);
}

function showStatus(status) {
  viewer.status = status;
  for (const key of ["state", "queue_depth", "received", "processed", "dropped", "gaps", "errors"]) {
    $(`status-${key}`).textContent = status[key];
  }
  $("status-uptime_s").textContent = `${fixed(status.uptime_s, 0)} s`;
}

function showSeries(series) {
  viewer.series = series;
  $("series-name").textContent = series.name;
  $("series-state").textContent = series.state === "ended" ? "(ended)" : "(running)";
  const start = new Date(series.started_at * 1000).toLocaleTimeString();
  const end = series.ended_at ? ` - ${new Date(series.ended_at * 1000).toLocaleTimeString()}` : "";
  $("series-times").textContent = `${start}${end}`;
  const summary = series.summary;
  if (!summary) return;
  $("series-total").textContent = summary.count;
  $("series-frames").textContent = summary.frames;
  $("series-diameter").textContent = summary.mean_diameter_nm !== null
    ? `${fixed(summary.mean_diameter_nm, 1)} ± ${fixed(summary.std_diameter_nm, 1)} nm`
    : summary.mean_diameter_px !== null ? `${fixed(summary.mean_diameter_px, 1)} ± ${fixed(summary.std_diameter_px, 1)} px` : "-";
  drawHistogram(summary.diameter_histogram, "histogram", `diameter (${summary.diameter_histogram.unit})`, "#4a9eff");
  if (summary.tracks) showTracks(summary.tracks);
}

// The series' tracks (where the service tracks them): counts, and the growth-rate histogram.
function showTracks(tracks) {
  $("tracking").hidden = false;
  $("tracks-alive").textContent = tracks.alive;
  $("tracks-born").textContent = tracks.born;
  $("tracks-ended").textContent = tracks.ended;
  const growth = tracks.growth;
  $("growth-median").textContent = growth.median === null ? "-" : `${+growth.median.toPrecision(3)} ${growth.unit}`;
  $("growth-tracks").textContent = growth.tracks;
  $("growth-sightings").textContent = growth.min_sightings;
  const histogram = growth.histogram;
  if (histogram.counts.length) drawHistogram(histogram, "growth", `growth rate (${growth.unit})`, "#c080ff");
}

// A track's age as a colour: yellow when new, through green, to blue at OLD_FRAMES frames or more.
function ageColour(age) {
  const share = Math.min(age, OLD_FRAMES) / OLD_FRAMES;
  return `hsl(${Math.round(55 + 165 * share)}, 100%, 55%)`;
}
viewer.ageColour = ageColour;

function showFrame(frame) {
  if (viewer.frames.length && viewer.frames[viewer.frames.length - 1].series !== frame.series) viewer.frames = [];
  viewer.frames.push(frame);
  if (viewer.frames.length > 2000) viewer.frames.shift();
  $("frame-id").textContent = frame.frame;
  $("frame-count").textContent = frame.count === null ? "not analysed" : frame.count;
  $("frame-diameter").textContent = frame.mean_diameter_nm !== null
    ? `${fixed(frame.mean_diameter_nm, 1)} nm` : frame.mean_diameter_px !== null ? `${fixed(frame.mean_diameter_px, 1)} px` : "-";
  $("frame-density").textContent = frame.density_per_um2 !== null
    ? `${fixed(frame.density_per_um2, 0)} /µm²` : frame.density_per_mpx !== null ? `${fixed(frame.density_per_mpx, 0)} /Mpx` : "-";
  $("frame-latency").textContent = `${fixed(frame.latency_ms, 0)} ms`;
  $("scene").textContent = frame.scene ? `${frame.scene.label} (${fixed(frame.scene.confidence, 2)})` : "";
  $("frame-drift").textContent = frame.drift_px ? `${fixed(frame.drift_px[0], 1)}, ${fixed(frame.drift_px[1], 1)} px` : "-";
  drawTrend();
  drawTracks();
}

function showPreview(preview) {
  viewer.preview = preview;
  const image = new Image();
  image.onload = () => {
    const canvas = $("frame-canvas");
    canvas.width = preview.width;
    canvas.height = preview.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    context.lineWidth = 1.5;
    const s = preview.scale;
    const tracked = preview.ellipses.some((e) => e.track_age !== undefined);
    $("age-legend").hidden = !tracked;
    viewer.ellipseColours = [];
    for (const e of preview.ellipses) {
      const colour = tracked ? ageColour(e.track_age) : "#ff4040";
      context.strokeStyle = colour;
      viewer.ellipseColours.push(colour);
      context.beginPath();
      context.ellipse((e.x + 0.5) * s - 0.5, (e.y + 0.5) * s - 0.5, Math.max(e.major_px * s / 2, 0.5),
                      Math.max(e.minor_px * s / 2, 0.5), e.angle_deg * Math.PI / 180, 0, 2 * Math.PI);
      context.stroke();
    }
    viewer.drawn += 1;
  };
  image.src = `data:image/jpeg;base64,${preview.jpeg}`;
}

function axes(context, canvas, label) {
  context.fillStyle = "#000";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.strokeStyle = "#666";
  context.beginPath();
  context.moveTo(40, 10); context.lineTo(40, canvas.height - 30); context.lineTo(canvas.width - 10, canvas.height - 30);
  context.stroke();
  context.fillStyle = "#aaa";
  context.font = "12px sans-serif";
  context.fillText(label, canvas.width / 2 - 40, canvas.height - 8);
}

// Bars of a histogram {edges, counts} on the canvas canvasId, the axis named label.
function drawHistogram(histogram, canvasId, label, colour) {
  const canvas = $(canvasId);
  const context = canvas.getContext("2d");
  axes(context, canvas, label);
  const counts = histogram.counts, edges = histogram.edges;
  const top = Math.max(1, ...counts);
  const width = (canvas.width - 60) / counts.length, height = canvas.height - 45;
  context.fillStyle = colour;
  counts.forEach((count, i) => {
    const h = (count / top) * height;
    context.fillRect(42 + i * width, canvas.height - 30 - h, width - 2, h);
  });
  context.fillStyle = "#aaa";
  const digits = Math.abs(edges[edges.length - 1] - edges[0]) < 10 ? 2 : 0;
  for (let i = 0; i <= counts.length; i += 5) {
    context.fillText(fixed(edges[i], digits), 36 + i * width, canvas.height - 18);
  }
  context.fillText(String(top), 4, 18);
}

// The smallest of 1, 2, 5 x 10^k at or above value: a round top for an axis.
function roundUp(value) {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1e-9)));
  return [1, 2, 5, 10].map((m) => m * power).find((top) => top >= value * (1 - 1e-9));
}

// The values joined by straight lines, the i-th at (x(i), y(value)), in the current stroke style.
function polyline(context, values, x, y) {
  context.beginPath();
  values.forEach((v, i) => (i ? context.lineTo(x(i), y(v)) : context.moveTo(x(i), y(v))));
  context.stroke();
}

// Count and density per frame, each on its own round scale (count on the left axis, density on
// the right, each in its line's colour), under a legend that has its own band above the plot.
function drawTrend() {
  const canvas = $("trend");
  const context = canvas.getContext("2d");
  context.fillStyle = "#000";
  context.fillRect(0, 0, canvas.width, canvas.height);
  const frames = viewer.frames.filter((f) => f.count !== null);
  if (!frames.length) return;
  const density = (f) => (f.density_per_um2 !== null ? f.density_per_um2 : f.density_per_mpx);
  const series = [
    { values: frames.map((f) => f.count), colour: "#ffb040", name: "loops", side: "left" },
    { values: frames.map(density), colour: "#40d080", name: frames[0].density_per_um2 !== null ? "density /µm²" : "density /Mpx", side: "right" },
  ];
  context.font = "12px sans-serif";
  const legendBottom = 8 + 14 * series.length;
  const plot = { left: 44, right: canvas.width - 44, top: legendBottom + 10, bottom: canvas.height - 30 };
  context.strokeStyle = "#666";
  context.beginPath();
  context.moveTo(plot.left, plot.top); context.lineTo(plot.left, plot.bottom); context.lineTo(plot.right, plot.bottom);
  context.lineTo(plot.right, plot.top);
  context.stroke();
  const x = (i) => plot.left + (frames.length > 1 ? (i / (frames.length - 1)) * (plot.right - plot.left) : (plot.right - plot.left) / 2);
  context.fillStyle = "#aaa";
  context.fillText(`frame ${frames[0].frame}`, plot.left, canvas.height - 12);
  const last = `frame ${frames[frames.length - 1].frame}`;
  context.fillText(last, plot.right - context.measureText(last).width, canvas.height - 12);
  const ticks = {};
  series.forEach((line, n) => {
    const top = roundUp(Math.max(...line.values));
    const y = (v) => plot.bottom - (v / top) * (plot.bottom - plot.top);
    ticks[line.side] = [0, top / 2, top];
    context.fillStyle = line.colour;
    for (const tick of ticks[line.side]) {
      const text = String(+tick.toPrecision(3));
      const at = line.side === "left" ? plot.left - 4 - context.measureText(text).width : plot.right + 4;
      context.fillText(text, at, y(tick) + 4);
    }
    let sum = 0;
    const means = line.values.map((v, i) => (sum += v) / (i + 1));
    context.strokeStyle = line.colour;
    polyline(context, line.values, x, y);
    context.setLineDash([4, 4]);
    polyline(context, means, x, y);
    context.setLineDash([]);
    context.fillText(`${line.name} (${line.side} axis), dashed: running mean`, plot.left, 6 + 14 * (n + 1) - 2);
  });
  viewer.trend = { legendBottom, plotTop: plot.top, ticks };
}

// Tracks alive and born in each frame, on one round scale, where the series is tracked.
function drawTracks() {
  const frames = viewer.frames.filter((f) => f.tracks);
  if (!frames.length) return;
  $("tracking").hidden = false;
  const canvas = $("tracks-chart");
  const context = canvas.getContext("2d");
  axes(context, canvas, "frame");
  const lines = [
    { values: frames.map((f) => f.tracks.alive), colour: "#ffb040", name: "alive" },
    { values: frames.map((f) => f.tracks.born), colour: "#ff60a0", name: "born" },
  ];
  const top = roundUp(Math.max(1, ...lines[0].values, ...lines[1].values));
  const plot = { left: 42, right: canvas.width - 10, top: 30, bottom: canvas.height - 30 };
  const x = (i) => plot.left + (frames.length > 1 ? (i / (frames.length - 1)) * (plot.right - plot.left) : 0);
  const y = (v) => plot.bottom - (v / top) * (plot.bottom - plot.top);
  context.fillStyle = "#aaa";
  context.fillText(String(top), 4, plot.top + 4);
  lines.forEach((line, n) => {
    context.strokeStyle = line.colour;
    polyline(context, line.values, x, y);
    context.fillStyle = line.colour;
    context.fillText(`tracks ${line.name} per frame`, plot.left + 160 * n, 16);
  });
  viewer.tracksChart = { frames: frames.length, top, alive: lines[0].values, born: lines[1].values };
}

$("age-young").style.background = ageColour(0);
$("age-old").style.background = ageColour(OLD_FRAMES);
$("age-old-frames").textContent = OLD_FRAMES;
connect();
