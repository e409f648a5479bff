// After a security key is registered (django-otp-webauthn's event), go on to the
// account page: the second factor is set up and this session is verified.
const next = document.getElementById("passkey-continue");
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.assign(next ? next.dataset.next : "/account/");
});
