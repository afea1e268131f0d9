/* Sổ Khỏe — a page's camera that reads QR codes: the card check (card_check/page.html) and
   reception's consent code (consent/reception.html), through the macro in camera_scan.html.
   A section marked data-camera-scan names the server's frame endpoint (data-frame-url), the
   form a code goes into (data-form, its id), that form's field (data-field) and its messages
   (data-message-*). The script opens the rear camera and sends one frame every 400 ms as a
   JPEG, with the form's CSRF token; the server reads the QR code (zxing-cpp) and answers
   {"found": true, "text": …}: the text goes into the field and the form is submitted, so what
   follows (the check, its audit entry, the answer) is the form's. {"found": false,
   "refused": true} is a code the page does not take: the section says so and goes on.
   The start button appears once the browser lists a camera; without one, or without
   permission, the section says so and the page's other ways remain. */
"use strict";

(function () {
  const INTERVAL_MS = 400;
  // Frames are scaled down to this width: enough for a code filling part of the picture.
  const MAX_WIDTH = 960;

  async function cameraListed() {
    const media = navigator.mediaDevices;
    if (!media || !media.getUserMedia || !media.enumerateDevices) {
      return false;
    }
    // Before permission the list holds one entry per kind of device present, unnamed.
    const devices = await media.enumerateDevices();
    return devices.some((device) => device.kind === "videoinput");
  }

  function scanner(section) {
    const form = document.getElementById(section.dataset.form);
    if (!form) {
      return;
    }
    const field = form.elements[section.dataset.field];
    const csrfToken = form.elements.csrf_token.value;
    const status = section.querySelector("[data-camera-status]");
    const video = section.querySelector("[data-camera-video]");
    const startButton = section.querySelector("[data-camera-start]");
    const stopButton = section.querySelector("[data-camera-stop]");
    const canvas = document.createElement("canvas");
    let stream = null;
    let timer = null;

    function say(messageName) {
      const message = section.dataset[messageName];
      // Unchanged text is not set again: the status is read out by screen readers.
      if (status.textContent !== message) {
        status.textContent = message;
      }
    }

    function stop() {
      window.clearTimeout(timer);
      timer = null;
      if (stream) {
        stream.getTracks().forEach((track) => track.stop());
        stream = null;
      }
      video.hidden = true;
      stopButton.hidden = true;
      startButton.hidden = false;
    }

    function frameBlob() {
      const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    }

    async function readFrame() {
      if (!stream) {
        return;
      }
      if (video.videoWidth > 0) {
        const blob = await frameBlob();
        const body = new FormData();
        body.append("frame", blob, "frame.jpg");
        let answer;
        try {
          const response = await fetch(section.dataset.frameUrl, {
            method: "POST",
            headers: { "X-CSRF-Token": csrfToken },
            body: body,
            credentials: "same-origin",
          });
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          answer = await response.json();
        } catch (error) {
          stop();
          say("messageFailed");
          return;
        }
        if (answer.found) {
          stop();
          field.value = answer.text;
          form.submit();
          return;
        }
        if (answer.refused) {
          say("messageRefused");
        }
      }
      if (stream) {
        timer = window.setTimeout(readFrame, INTERVAL_MS);
      }
    }

    startButton.addEventListener("click", async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: "environment" } },
          audio: false,
        });
      } catch (error) {
        const refused = error.name === "NotAllowedError" || error.name === "SecurityError";
        say(refused ? "messageDenied" : "messageMissing");
        startButton.hidden = true;
        return;
      }
      video.srcObject = stream;
      video.hidden = false;
      startButton.hidden = true;
      stopButton.hidden = false;
      say("messageScanning");
      await video.play();
      timer = window.setTimeout(readFrame, INTERVAL_MS);
    });

    stopButton.addEventListener("click", () => {
      stop();
      status.textContent = "";
    });

    cameraListed().then(
      (listed) => {
        if (listed) {
          status.textContent = "";
          startButton.hidden = false;
        } else {
          say("messageMissing");
        }
      },
      () => say("messageMissing"),
    );
  }

  document.querySelectorAll("[data-camera-scan]").forEach(scanner);
})();
