"""An installation: setting it up (`init`), its reference data, key rotation, and the demo."""
