"""An installation: setting it up (`init`) and the demo's population and accounts."""
