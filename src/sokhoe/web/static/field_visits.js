/* Field visits that a weak network cannot lose (/chien-dich/ho-can-tham, and a school's or
   enterprise's list under /chien-dich/truong-doanh-nghiep).

   Each outcome button is a plain POST form; with this script a tap instead (1) keeps the
   visit in localStorage under the visit ID the form carries, (2) shows it "waiting to send"
   and (3) sends it as JSON to the section's data-api with the CSRF header. A visit leaves
   the waiting list only when the server answered it: recorded (201), already recorded by an
   earlier attempt (200), or refused for good (404 outside her villages, 409, 422). Anything
   else (a dropped connection, 5xx, a signed-out session) keeps it waiting; waiting visits are
   sent again when the browser comes back online, every 15 seconds, and when a page opens.
   While the phone reports itself offline nothing is attempted.

   Stored per visit: its ID, the person's ID, the outcome, the phone's time, the member's
   account id (a visit is only ever sent by the account that recorded it), the API of the
   page it was recorded on and, at an establishment, its id (the form's "establishment").
   The person's ID is dropped as soon as the server has answered; answered visits are
   forgotten after a day. */
(function () {
  "use strict";

  const KEY = "sokhoe.fieldVisits";
  const RETRY_MS = 15000;
  const KEEP_ANSWERED_MS = 24 * 60 * 60 * 1000;
  const section = document.querySelector("[data-visit-queue]");
  if (!section || !window.localStorage || !window.fetch) {
    return;
  }
  const member = section.dataset.member;
  const status = section.querySelector("[data-visit-queue-status]");
  let sending = false;

  function load() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "[]");
    } catch (error) {
      return [];
    }
  }

  function save(visits) {
    const now = Date.now();
    const kept = visits.filter(
      (v) => v.state === "pending" || now - (v.answeredAt || 0) < KEEP_ANSWERED_MS
    );
    localStorage.setItem(KEY, JSON.stringify(kept));
  }

  function newVisitId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function show() {
    const mine = load().filter((v) => v.member === member);
    const waiting = mine.filter((v) => v.state === "pending").length;
    section.hidden = mine.length === 0;
    section.classList.toggle("visit-queue--clear", waiting === 0);
    status.textContent = waiting
      ? section.dataset.messageCount.replace("{count}", waiting)
      : section.dataset.messageAllSent;
    mine.forEach((visit) => {
      const row = document.querySelector(`[data-person="${CSS.escape(visit.person || "")}"]`)
        || document.querySelector(`[data-visit-id="${visit.id}"]`);
      if (!row) {
        return;
      }
      row.dataset.visitId = visit.id;
      const state = row.querySelector("[data-visit-state]");
      const word = {
        pending: section.dataset.messagePending,
        sent: section.dataset.messageSent,
        refused: section.dataset.messageRefused,
      }[visit.state];
      state.textContent = `${word}: ${visit.label}${visit.message ? ` — ${visit.message}` : ""}`;
      state.className = `person__last person__last--${visit.state}`;
      state.dataset.state = visit.state;
    });
  }

  function answered(visit, state, message) {
    visit.state = state;
    visit.message = message || "";
    visit.answeredAt = Date.now();
    delete visit.person;
  }

  async function sendOne(visit) {
    let response;
    try {
      response = await fetch(visit.api || section.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": section.dataset.csrf },
        body: JSON.stringify({
          client_uuid: visit.id,
          person_id: visit.person,
          outcome: visit.outcome,
          visited_at: visit.visitedAt,
          establishment_id: visit.establishment,
        }),
      });
    } catch (error) {
      return; // offline or the network dropped: stays waiting
    }
    if (response.status === 200 || response.status === 201) {
      answered(visit, "sent");
    } else if ([404, 409, 422].includes(response.status)) {
      const body = await response.json().catch(() => ({}));
      answered(visit, "refused", body.message);
    }
  }

  async function sendPending() {
    // Offline as far as the phone knows: wait for its "online" event rather than fail.
    if (sending || !navigator.onLine) {
      return;
    }
    sending = true;
    try {
      for (const visit of load()) {
        if (visit.state !== "pending" || visit.member !== member) {
          continue;
        }
        await sendOne(visit);
        if (visit.state !== "pending") {
          // Re-read before writing: another tap may have added a visit meanwhile.
          save(load().map((v) => (v.id === visit.id ? visit : v)));
          show();
        }
      }
    } finally {
      sending = false;
      show();
    }
  }

  function record(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const visit = {
      id: form.elements.client_uuid.value,
      person: form.elements.person.value,
      outcome: form.elements.outcome.value,
      label: form.querySelector("button").textContent.trim(),
      visitedAt: new Date().toISOString(),
      member: member,
      api: section.dataset.api,
      establishment: form.elements.establishment
        ? Number(form.elements.establishment.value)
        : undefined,
      state: "pending",
    };
    save([...load(), visit]);
    // The form's next tap is another visit: it needs its own ID.
    form.elements.client_uuid.value = newVisitId();
    const details = form.closest("details");
    if (details) {
      details.open = false;
    }
    show();
    sendPending();
  }

  document.querySelectorAll("[data-visit-form]").forEach((form) => {
    form.addEventListener("submit", record);
  });
  window.addEventListener("online", sendPending);
  window.setInterval(sendPending, RETRY_MS);
  show();
  sendPending();
})();
