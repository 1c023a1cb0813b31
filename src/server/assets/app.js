// chartmill workstation: the page viewer and the keyboard. Plain
// JavaScript, no library; every change is an ordinary form POST that the
// server checks (session, role, CSRF token).
"use strict";
(function () {
  const $ = (sel) => document.querySelector(sel);
  const $$ = (sel) => Array.from(document.querySelectorAll(sel));
  const typing = (el) => el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA");

  // ----- help -----
  const help = $("#help");
  const toggleHelp = (show) => { if (help) help.hidden = show === undefined ? !help.hidden : !show; };
  const helpButton = $("#help-button");
  if (helpButton) helpButton.addEventListener("click", () => toggleHelp());
  if (help) help.addEventListener("click", (e) => { if (e.target === help) toggleHelp(false); });

  // Forms send once: a second key press while one is on its way does nothing.
  let sending = false;
  const send = (form) => {
    if (!form || sending) return;
    sending = true;
    form.requestSubmit();
  };
  $$("form").forEach((f) => f.addEventListener("submit", () => {
    if (f.id !== "search-form") { sending = true; f.querySelectorAll("button").forEach((b) => (b.disabled = true)); }
  }));

  // A jobs page with a job running shows its progress every few seconds.
  const jobs = $("#jobs");
  if (jobs && jobs.dataset.running === "true") setTimeout(() => location.reload(), 3000);

  // ----- the document view -----
  const doc = $("#doc");
  const dataEl = $("#doc-data");
  const data = dataEl ? JSON.parse(dataEl.textContent) : null;
  let index = 0, zoom = 0 /* 0: fit width */, turn = 0, findText = "";

  function showPage() {
    if (!data) return;
    const p = data.pages[index];
    const stage = $("#stage");
    stage.textContent = "";
    $("#page-no").textContent = String(p.page);
    $("#page-pos").textContent = String(index + 1);
    $$(".strip .pg").forEach((b, i) => b.classList.toggle("current", i === index));
    const split = $("#split-at"); if (split) split.value = String(p.page);
    const splitButton = $("#split-button"); if (splitButton) splitButton.disabled = index === 0;
    const move = $("#move-page"); if (move) move.value = p.id;
    if (!p.image) {
      const pre = document.createElement("div");
      pre.className = "textpage";
      pre.textContent = p.text || "(no image and no text for this page)";
      stage.appendChild(pre);
      $("#zoom-level").textContent = "text";
      return;
    }
    const fw = p.frame_width, fh = p.frame_height;
    const sideways = turn % 180 === 90;
    const avail = Math.max(200, stage.clientWidth - 28);
    const z = zoom || avail / (sideways ? fh : fw);
    $("#zoom-level").textContent = zoom ? Math.round(z * 100) + "%" : "fit";
    const sheet = document.createElement("div");
    sheet.className = "sheet";
    sheet.style.width = (sideways ? fh : fw) * z + "px";
    sheet.style.height = (sideways ? fw : fh) * z + "px";
    const frame = document.createElement("div");
    frame.className = "frame";
    frame.style.width = fw + "px";
    frame.style.height = fh + "px";
    const shift = { 0: "", 90: `translate(${fh * z}px,0)`, 180: `translate(${fw * z}px,${fh * z}px)`, 270: `translate(0,${fw * z}px)` }[turn];
    frame.style.transform = `${shift} rotate(${turn}deg) scale(${z})`;
    const img = document.createElement("img");
    img.src = p.image;
    img.alt = "scan of page " + p.id;
    img.id = "page-image";
    img.width = p.image_width;
    img.height = p.image_height;
    if (p.matrix) img.style.transform = p.matrix;
    frame.appendChild(img);
    const box = (cls, x, y, w, h) => {
      const b = document.createElement("div");
      b.className = "box " + cls;
      const pad = 4;
      b.style.left = x - pad + "px"; b.style.top = y - pad + "px";
      b.style.width = w + 2 * pad + "px"; b.style.height = h + 2 * pad + "px";
      frame.appendChild(b);
    };
    for (const [kind, x, y, w, h] of p.marks) box(kind, x, y, w, h);
    let hits = 0;
    if (findText) {
      const q = findText.toLowerCase();
      for (const [x, y, w, h, t] of p.words) {
        if (String(t).toLowerCase().includes(q)) { box("hit", x, y, w, h); hits++; }
      }
    }
    $("#find-count").textContent = findText ? `${hits} found` : "";
    sheet.appendChild(frame);
    stage.appendChild(sheet);
  }

  function goPage(i) {
    if (!data) return;
    index = Math.max(0, Math.min(data.pages.length - 1, i));
    showPage();
  }

  // Candidates and search results, numbered 1.. in the order shown.
  const rows = () => $$("#candidate-rows tr.cand, #search-rows tr.found");
  function pick(n) {
    const r = rows()[n];
    const mrn = $("#file-mrn");
    if (!r || !mrn) return;
    rows().forEach((x) => x.classList.toggle("picked", x === r));
    mrn.value = r.dataset.mrn;
    $("#picked").textContent = r.dataset.label;
    $("#file-button").disabled = false;
  }

  if (doc && data) {
    $$(".strip .pg").forEach((b) => b.addEventListener("click", () => goPage(Number(b.dataset.index))));
    $("#prev-page").addEventListener("click", () => goPage(index - 1));
    $("#next-page").addEventListener("click", () => goPage(index + 1));
    $("#zoom-in").addEventListener("click", () => zoomBy(1.25));
    $("#zoom-out").addEventListener("click", () => zoomBy(0.8));
    $("#zoom-fit").addEventListener("click", () => { zoom = 0; showPage(); });
    $("#rotate").addEventListener("click", () => { turn = (turn + 90) % 360; showPage(); });
    $("#find").addEventListener("input", (e) => { findText = e.target.value.trim(); showPage(); });
    window.addEventListener("resize", () => { if (!zoom) showPage(); });
    document.addEventListener("click", (e) => {
      const r = e.target.closest && e.target.closest("tr.cand, tr.found");
      if (r) pick(rows().indexOf(r));
    });
    // The first page in review is shown first.
    const first = data.pages.findIndex((p) => p.status === "review");
    goPage(first > 0 ? first : 0);
    // Never picked for the technician, even when there is one candidate:
    // filing to the wrong patient must take a deliberate key press.

    const search = $("#search-form");
    search.addEventListener("submit", async (e) => {
      e.preventDefault();
      const status = $("#search-status");
      const body = new URLSearchParams(new FormData(search));
      body.set("csrf", search.dataset.csrf);
      status.textContent = "searching…";
      let answer;
      try {
        const r = await fetch("/patients/search", { method: "POST", body, credentials: "same-origin" });
        answer = await r.json();
      } catch (err) {
        status.textContent = "the search failed";
        return;
      }
      if (answer.error) { status.textContent = answer.error; return; }
      const tbody = $("#search-rows");
      tbody.textContent = "";
      const offset = $$("#candidate-rows tr.cand").length;
      answer.results.forEach((p, i) => {
        const tr = document.createElement("tr");
        tr.className = "found";
        tr.dataset.mrn = p.mrn;
        tr.dataset.label = `${p.printed} · ${p.name} · ${p.dob}`;
        const n = offset + i + 1;
        for (const v of [n <= 9 ? String(n) : "", p.printed, p.name, p.dob, p.sex, "search"]) {
          const td = document.createElement("td");
          if (v === String(n) && n <= 9) { const k = document.createElement("kbd"); k.textContent = v; td.appendChild(k); }
          else td.textContent = v;
          tr.appendChild(td);
        }
        tbody.appendChild(tr);
      });
      status.textContent = answer.results.length
        ? `${answer.results.length} found${answer.more ? " (first 20)" : ""}: press its number`
        : "no patient found";
      if (answer.results.length) { document.activeElement.blur(); }
    });
    const other = $("#type-other-select");
    if (other) other.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); send($("#type-other")); } });
    const retype = $("#retype-type");
    if (retype) retype.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); send($("#retype-form")); } });
  }

  function zoomBy(f) {
    const p = data && data.pages[index];
    if (!p || !p.image) return;
    const stage = $("#stage");
    const current = zoom || (Math.max(200, stage.clientWidth - 28) / (turn % 180 === 90 ? p.frame_height : p.frame_width));
    zoom = Math.max(0.05, Math.min(4, current * f));
    showPage();
  }

  // ----- the keyboard -----
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape") {
      toggleHelp(false);
      if (typing(document.activeElement)) document.activeElement.blur();
      return;
    }
    if (typing(document.activeElement)) return;
    const key = e.key;
    if (key === "?") { toggleHelp(); e.preventDefault(); return; }
    if (help && !help.hidden) return;
    const queue = $("#queue");
    if (queue) {
      if (key === "Enter" && queue.dataset.first) { location.href = "/doc/" + queue.dataset.first; e.preventDefault(); }
      return;
    }
    if (!doc) return;
    const act = doc.dataset.canAct === "true";
    const handled = () => e.preventDefault();
    // The type check: one key per document.
    if (doc.dataset.typeCheck === "true") {
      const choice = /^[1-9]$/.test(key) ? $("#type-choice-" + key) : null;
      if (choice) { send(choice); handled(); return; }
      if (key === "Enter" || key === "y") { send($("#type-choice-1")); handled(); return; }
      if (key === "t") { $("#type-other-select").focus(); handled(); return; }
      if (key === "n") { location.href = "/types?after=" + doc.dataset.id; handled(); return; }
    }
    switch (key) {
      case "j": case "ArrowDown": case "PageDown": goPage(index + 1); handled(); break;
      case "k": case "ArrowUp": case "PageUp": goPage(index - 1); handled(); break;
      case "n": if ($("#skip-form")) { send($("#skip-form")); handled(); } break;
      case "p": if (doc.dataset.prev) { location.href = "/doc/" + doc.dataset.prev; handled(); } break;
      case "q": location.href = "/queue"; handled(); break;
      case "+": case "=": zoomBy(1.25); handled(); break;
      case "-": zoomBy(0.8); handled(); break;
      case "0": zoom = 0; showPage(); handled(); break;
      case "r": turn = (turn + 90) % 360; showPage(); handled(); break;
      case "g": $("#find").focus(); handled(); break;
      case "/": $("#search-mrn").focus(); handled(); break;
      default:
        if (!act) return;
        if (/^[1-9]$/.test(key)) { pick(Number(key) - 1); handled(); }
        else if (key === "f" || key === "Enter") { if ($("#file-mrn") && $("#file-mrn").value) { send($("#file-form")); handled(); } }
        else if (key === "t") { $("#retype-type").focus(); handled(); }
        else if (key === "x") { $("#reject-reason").focus(); handled(); }
        else if (key === "s") { if (index > 0) { send($("#split-form")); handled(); } }
        else if (key === "m") { if ($("#merge-form")) { send($("#merge-form")); handled(); } }
    }
  });
})();
