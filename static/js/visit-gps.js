// The field visit page: "use my location" fills the visit's coordinates from the device.
document.getElementById("use-gps")?.addEventListener("click", () => {
  navigator.geolocation?.getCurrentPosition((p) => {
    document.getElementById("id_latitude").value = p.coords.latitude.toFixed(6);
    document.getElementById("id_longitude").value = p.coords.longitude.toFixed(6);
  });
});
