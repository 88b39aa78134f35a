# Sourced by the other scripts: makes sure a Node >= 22 is first on the PATH, taking Node 24
# from the npm registry into ~/.nimbus-node when the system Node is older (see DEVELOPERS.md).
node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || echo 0; }
if [ "$(node_major)" -lt 22 ] 2>/dev/null || ! command -v node >/dev/null; then
  if [ ! -x "$HOME/.nimbus-node/node_modules/.bin/node" ]; then
    echo "Node $(node --version 2>/dev/null || echo none) is too old; installing Node 24 into ~/.nimbus-node" >&2
    npm install --prefix "$HOME/.nimbus-node" --no-audit --no-fund node@24 >/dev/null
  fi
  export PATH="$HOME/.nimbus-node/node_modules/.bin:$PATH"
fi
