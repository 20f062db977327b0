// Streams answers into the page from POST /v1/ask/stream; follow-ups share one conversation.
// Text from the archive is only ever set with textContent, never parsed as markup.
(function () {
  "use strict";
  const form = document.getElementById("ask");
  const log = document.getElementById("conversation-log");
  if (!form || !log || !window.fetch || !window.TextDecoder) return; // the form still works
  let conversationId = null;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function filters() {
    const out = {};
    const source = form.elements.source.value;
    if (source) out.source = source;
    if (form.elements.after.value) out.published_after = form.elements.after.value;
    if (form.elements.before.value) out.published_before = form.elements.before.value;
    return Object.keys(out).length ? out : null;
  }

  // The answer text with each [n] made a link to citation n's page.
  function linkMarkers(paragraph, text, citations) {
    paragraph.textContent = "";
    const byN = new Map(citations.map((c) => [c.n, c]));
    let at = 0;
    for (const found of text.matchAll(/\[(\d+)\]/g)) {
      const cited = byN.get(Number(found[1]));
      if (!cited) continue;
      paragraph.append(text.slice(at, found.index));
      const a = el("a", { href: "/c/" + cited.id, class: "marker", "aria-label": "source " + cited.n }, found[0]);
      paragraph.append(a);
      at = found.index + found[0].length;
    }
    paragraph.append(text.slice(at));
  }

  function sourcesList(citations) {
    const list = el("ol", { class: "sources" });
    for (const c of citations) {
      const item = el("li");
      item.append(el("a", { href: "/c/" + c.id }, c.title));
      item.append(" ", el("span", { class: "meta" }, c.source + (c.published ? " · " + c.published : "")));
      list.append(item);
    }
    return list;
  }

  async function nearest(turn, question, body) {
    const response = await fetch("/v1/search", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: question, top_k: 3, filters: body.filters || undefined }),
    });
    if (!response.ok) return;
    const results = (await response.json()).results;
    if (!results.length) return;
    turn.append(el("p", {}, "The nearest articles:"));
    const list = el("ul", { class: "nearest" });
    for (const r of results) {
      const item = el("li");
      const path = encodeURIComponent(r.article_id).replace(/%2F/g, "/");
      item.append(el("a", { href: "/a/" + path }, r.title));
      list.append(item);
    }
    turn.append(list);
  }

  async function ask(question) {
    const turn = el("article", { class: "turn" });
    turn.append(el("h2", { class: "question" }, question));
    const answer = el("p", { class: "answer" });
    turn.append(answer);
    log.append(turn);
    const body = { question: question };
    const f = filters();
    if (f) body.filters = f;
    if (conversationId) body.conversation_id = conversationId;
    const response = await fetch("/v1/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      let message = response.statusText;
      try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
      answer.textContent = "";
      answer.append(el("span", { class: "error", role: "alert" }, message));
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let text = "";
    let citations = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = (block.match(/^event: (.*)$/m) || [])[1];
        const data = JSON.parse((block.match(/^data: (.*)$/m) || [, "null"])[1]);
        if (event === "token") {
          text += data.text;
          answer.textContent = text;
        } else if (event === "citations") {
          citations = data.citations;
        } else if (event === "done") {
          conversationId = data.conversation_id;
          const short = data.short_answer;
          const lead = short ? short.text + ": " : "";
          if (short && data.answer.startsWith(lead)) {
            // the short answer leads, in bold: "February 18: On February 18, … [1]."
            linkMarkers(answer, data.answer.slice(lead.length), citations);
            answer.prepend(el("strong", { class: "short" }, short.text), ": ");
          } else {
            linkMarkers(answer, data.answer, citations);
          }
          if (citations.length) turn.append(sourcesList(citations));
          if (!data.answerable) await nearest(turn, question, body);
        } else if (event === "error") {
          answer.append(el("span", { class: "error", role: "alert" }, " " + data.error.message));
        }
      }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const box = form.elements.q;
    const question = box.value.trim();
    if (!question) return;
    box.value = "";
    box.placeholder = "Ask a follow-up…";
    ask(question).catch(function (error) {
      log.append(el("p", { class: "error", role: "alert" }, "The answer could not be fetched: " + error));
    }).finally(function () { box.focus(); });
  });
})();
