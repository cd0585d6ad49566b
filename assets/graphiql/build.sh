#!/bin/sh
# Rebuilds the GraphiQL bundle that orgraph embeds (src/http/graphiql.rs include_bytes!
# these files): dist/graphiql.js and dist/graphiql.css, minified, from the exact versions
# pinned in package.json and package-lock.json, and dist/LICENSES.txt, the licenses of
# the bundled packages. Needs node and npm (registry access);
# orgraph itself does not: the built files are committed.
#   sh assets/graphiql/build.sh
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
version=$(node -p "require('graphiql/package.json').version")
rm -rf dist
npx --no-install esbuild src/index.jsx \
  --bundle --minify --format=iife --target=es2020 \
  --jsx=automatic --define:process.env.NODE_ENV='"production"' \
  --define:__GRAPHIQL_VERSION__="'$version'" \
  --legal-comments=none --metafile=dist/meta.json --loader:.woff2=dataurl --loader:.woff=dataurl --loader:.ttf=dataurl \
  --outfile=dist/graphiql.js
node licenses.mjs
rm dist/meta.json
ls -l dist
