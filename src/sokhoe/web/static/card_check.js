/* Sổ Khỏe — the card check's camera (templates/card_check/page.html).
   Opens the rear camera, sends one frame every 400 ms as a JPEG to the server, which reads
   the QR code (zxing-cpp); once a code is found, its text goes into the paste form, which is
   submitted: the check itself, its audit entry and its answer are the paste form's.
   Without a camera, or without permission, the section says so and the other ways remain. */
"use strict";

(function () {
  const INTERVAL_MS = 400;
  // Frames are scaled down to this width: enough for a code filling part of the picture.
  const MAX_WIDTH = 960;

  const section = document.getElementById("camera");
  const textForm = document.querySelector("[data-text-form]");
  if (!section || !textForm) {
    return;
  }
  const status = section.querySelector("[data-camera-status]");
  const video = section.querySelector("[data-camera-video]");
  const startButton = section.querySelector("[data-camera-start]");
  const stopButton = section.querySelector("[data-camera-stop]");
  const csrfToken = textForm.querySelector("input[name=csrf_token]").value;
  const canvas = document.createElement("canvas");
  let stream = null;
  let timer = null;

  function say(messageName) {
    status.textContent = section.dataset[messageName];
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say("messageMissing");
    return;
  }
  status.textContent = "";
  startButton.hidden = false;

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
        textForm.elements.qr_text.value = answer.text;
        textForm.submit();
        return;
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
})();
