'use strict';
// The lrp4j page: picks an image and methods, calls the JSON API, shows heatmaps, conservation and pixel flipping.
const token = new URLSearchParams(location.search).get('token') || '';
const state = { sample: null, image: null, classes: [] };

function api(path, options = {}) {
  options.headers = Object.assign({ 'Authorization': 'Bearer ' + token }, options.headers || {});
  return fetch(path, options).then(async r => {
    const body = await r.json().catch(() => ({ error: 'the server answered ' + r.status }));
    if (!r.ok) { throw new Error(body.error || ('HTTP ' + r.status)); }
    return body;
  });
}

function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') { e.textContent = v; } else { e.setAttribute(k, v); }
  }
  for (const c of children) { e.appendChild(c); }
  return e;
}

function showError(message) {
  const box = document.getElementById('error');
  box.textContent = message;
  box.hidden = !message;
}

function refreshExplainButton() {
  const any = document.querySelectorAll('input[name=method]:checked').length > 0;
  document.getElementById('explain').disabled = !(any && (state.sample !== null || state.image !== null));
}

async function loadModel() {
  const info = await api('/api/model');
  state.classes = info.classes;
  document.getElementById('model-name').textContent = info.name + ' — input ' + info.input.join('x') + ', '
      + info.classes.length + ' classes';
  const target = document.getElementById('target');
  target.innerHTML = '';
  target.appendChild(el('option', { value: 'pred', text: 'predicted class' }));
  target.appendChild(el('option', { value: 'top3', text: 'top 3 classes (grid)' }));
  target.appendChild(el('option', { value: 'top5', text: 'top 5 classes (grid)' }));
  if (info.classes.length <= 20) {
    target.appendChild(el('option', { value: 'all', text: 'all ' + info.classes.length + ' classes (grid)' }));
  }
  info.classes.forEach((c, i) => target.appendChild(el('option', { value: String(i), text: i + ' ' + c })));
}

async function loadSamples() {
  const samples = await api('/api/samples');
  const box = document.getElementById('samples');
  box.innerHTML = '';
  for (const s of samples) {
    const img = el('img', { src: s.url + '?token=' + encodeURIComponent(token), alt: s.name, title: s.name });
    const b = el('button', { class: 'sample', 'data-id': String(s.id), type: 'button' }, [img]);
    b.addEventListener('click', () => {
      document.querySelectorAll('.samples button').forEach(x => x.classList.remove('selected'));
      b.classList.add('selected');
      state.sample = s.id;
      state.image = null;
      document.getElementById('chosen').textContent = 'sample ' + s.name;
      refreshExplainButton();
    });
    box.appendChild(b);
  }
}

async function loadMethods() {
  const m = await api('/api/methods');
  const box = document.getElementById('methods');
  box.innerHTML = '';
  m.methods.forEach(name => {
    const input = el('input', { type: 'checkbox', name: 'method', value: name });
    if (name === 'lrp:epsilon-plus-flat') { input.checked = true; }
    input.addEventListener('change', refreshExplainButton);
    box.appendChild(el('label', {}, [input, document.createTextNode(' ' + name)]));
  });
}

function curve(pf) {
  const w = 300, h = 120, pad = 22;
  const all = pf.morf.concat(pf.random);
  const lo = Math.min(...all), hi = Math.max(...all);
  const x = f => pad + f * (w - pad - 6);
  const y = v => 6 + (hi - v) / ((hi - lo) || 1) * (h - pad - 6);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'curve');
  svg.setAttribute('width', w);
  svg.setAttribute('height', h);
  const line = (values, color, dash) => {
    const p = document.createElementNS(ns, 'polyline');
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke', color);
    p.setAttribute('stroke-width', '2');
    if (dash) { p.setAttribute('stroke-dasharray', '5,4'); }
    p.setAttribute('points', values.map((v, i) => x(pf.fractions[i]) + ',' + y(v)).join(' '));
    svg.appendChild(p);
  };
  line(pf.random, '#777', true);
  line(pf.morf, '#d62728', false);
  const t = document.createElementNS(ns, 'text');
  t.setAttribute('x', pad);
  t.setAttribute('y', h - 4);
  t.setAttribute('font-size', '10');
  t.textContent = 'pixel flipping: MoRF (red) vs random (gray)';
  svg.appendChild(t);
  return svg;
}

function conservationBars(c) {
  const box = el('div', { class: 'bars' });
  box.appendChild(el('div', { text: 'relevance at output ' + c.output.toFixed(4) + ', at input ' + c.input.toFixed(4) }));
  const max = Math.max(...c.nodes.map(n => Math.abs(n.out)), 1e-12);
  for (const n of c.nodes) {
    const passed = el('div', { class: 'bar' });
    passed.style.width = (100 * Math.abs(n.in) / max) + 'px';
    const absorbed = el('div', { class: 'bar absorbed' });
    absorbed.style.width = (100 * Math.abs(n.bias + n.stabilizer) / max) + 'px';
    box.appendChild(el('div', { class: 'bar-row', title: n.rule + ': passed ' + n.in.toFixed(4) + ', bias '
        + n.bias.toFixed(4) + ', stabilizer ' + n.stabilizer.toFixed(4) },
        [el('span', { class: 'label', text: n.node }), passed, absorbed]));
  }
  return box;
}

function showResult(r) {
  const card = el('div', { class: 'result', 'data-method': r.method });
  card.appendChild(el('h3', { text: r.method + ' — class ' + r.target + ' ' + r.target_name }));
  card.appendChild(el('div', { class: 'maps' }, [
    el('img', { class: 'heatmap', src: r.heatmap, alt: 'heatmap ' + r.method }),
    el('img', { class: 'overlay', src: r.overlay, alt: 'overlay ' + r.method })]));
  const dl = el('div', { class: 'downloads' });
  dl.appendChild(el('a', { href: r.heatmap, download: 'heatmap-' + r.method.replace(/[^A-Za-z0-9_.-]+/g, '_') + '.png',
    text: 'heatmap PNG' }));
  dl.appendChild(el('a', { href: r.relevance + '?token=' + encodeURIComponent(token), text: 'relevance .npy' }));
  card.appendChild(dl);
  if (r.conservation) { card.appendChild(conservationBars(r.conservation)); }
  if (r.pixel_flipping) { card.appendChild(curve(r.pixel_flipping)); }
  document.getElementById('results').appendChild(card);
}

function showPrediction(r) {
  document.getElementById('prediction').hidden = false;
  document.getElementById('input-image').src = r.input;
  const tbody = document.querySelector('#top tbody');
  tbody.innerHTML = '';
  for (const t of r.top) {
    tbody.appendChild(el('tr', {}, [el('td', { text: String(t.class) }), el('td', { text: t.name }),
      el('td', { text: (100 * t.probability).toFixed(1) + '%' })]));
  }
}

function request(method, target) {
  const body = { method: method, target: target };
  if (state.image !== null) { body.image = state.image; } else { body.sample = state.sample; }
  return api('/api/explain', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body) });
}

async function explain() {
  showError('');
  const methods = [...document.querySelectorAll('input[name=method]:checked')].map(i => i.value);
  const target = document.getElementById('target').value;
  const progress = document.getElementById('progress');
  const results = document.getElementById('results');
  results.innerHTML = '';
  document.getElementById('explain').disabled = true;
  try {
    const grid = target === 'all' || target.startsWith('top');
    if (!grid) {
      for (let i = 0; i < methods.length; i++) {
        progress.textContent = 'explaining ' + (i + 1) + '/' + methods.length + ': ' + methods[i] + ' …';
        const r = await request(methods[i], target);
        if (i === 0) { showPrediction(r); }
        showResult(r);
      }
    } else {
      // several classes: one grid of small heatmaps per method, one request per class
      progress.textContent = 'predicting …';
      const first = await request(methods[0], 'pred');
      showPrediction(first);
      const classes = target === 'all' ? state.classes.map((c, i) => i)
          : first.top.slice(0, parseInt(target.substring(3), 10)).map(t => t.class);
      const total = methods.length * classes.length;
      let done = 0;
      for (const m of methods) {
        const card = el('div', { class: 'result grid', 'data-method': m });
        card.appendChild(el('h3', { text: m }));
        const cells = el('div', { class: 'cells' });
        card.appendChild(cells);
        results.appendChild(card);
        for (const c of classes) {
          progress.textContent = 'explaining ' + (++done) + '/' + total + ' …';
          const r = await request(m, String(c));
          const p = first.top.find(t => t.class === c);
          cells.appendChild(el('figure', {}, [el('img', { class: 'heatmap', src: r.overlay, alt: m + ' ' + c }),
            el('figcaption', { text: c + ' ' + r.target_name + (p ? ' ' + (100 * p.probability).toFixed(1) + '%'
                : '') })]));
        }
      }
    }
    progress.textContent = 'done';
  } catch (e) {
    showError(e.message);
    progress.textContent = '';
  } finally {
    refreshExplainButton();
  }
}

function readFile(input, asDataUrl) {
  return new Promise((resolve, reject) => {
    const f = input.files[0];
    if (!f) { reject(new Error('no file')); return; }
    const reader = new FileReader();
    reader.onload = () => resolve({ name: f.name, data: reader.result });
    reader.onerror = () => reject(new Error('cannot read ' + f.name));
    if (asDataUrl) { reader.readAsDataURL(f); } else { reader.readAsArrayBuffer(f); }
  });
}

document.addEventListener('DOMContentLoaded', async () => {
  document.getElementById('explain').addEventListener('click', explain);
  document.getElementById('upload-image').addEventListener('change', async e => {
    const f = await readFile(e.target, true);
    state.image = f.data;
    state.sample = null;
    document.querySelectorAll('.samples button').forEach(x => x.classList.remove('selected'));
    document.getElementById('chosen').textContent = 'uploaded ' + f.name;
    refreshExplainButton();
  });
  document.getElementById('upload-model').addEventListener('change', async e => {
    showError('');
    try {
      const f = await readFile(e.target, false);
      await api('/api/model?name=' + encodeURIComponent(f.name), { method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' }, body: f.data });
      await loadModel();
      document.getElementById('progress').textContent = 'model ' + f.name + ' loaded';
    } catch (err) {
      showError(err.message);
    }
  });
  try {
    await loadModel();
    await loadSamples();
    await loadMethods();
    refreshExplainButton();
  } catch (e) {
    showError(e.message + (token ? '' : ' — open the address lrp4j serve printed, with its ?token='));
  }
});
