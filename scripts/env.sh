# Sourced by the scripts: tool paths and the switches that keep every build offline.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_OFFLINE=true
export CARGO_NET_OFFLINE=true
