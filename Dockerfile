# The llmbatch image: the CLI, the worker and the simulator, compiled (dist/) with the workflow
# code prebundled, so a worker starts without bundling workflows/ and every replica of one image
# runs the same workflow code. docker-compose.yml builds it for its worker, simulator and cli.
#   docker build -t llmbatch .
#   docker run --rm llmbatch --help
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: see .ci/run (the lock cannot list every platform's optional binaries).
RUN npm install --no-audit --no-fund
COPY . .
# dist/ (tsc) and dist/workflow-bundle.js (tests and benchmarks stay out of the context: .dockerignore).
RUN npm run build && npm run build:workflows

FROM node:22-bookworm-slim
# A worker's live heap stays under ~256 MB (pages, not runs, are held); without a cap V8 lets
# garbage grow to twice that before it collects (docs/spec.md: Memory of a worker).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=512 \
    LLMBATCH_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The demo's spec and tickets: `llmbatch run /app/examples/demo/spec.yaml` works in any container of this image.
COPY examples ./examples
# /data is where input and output live (a volume shared by the worker and the CLI); created here so
# that a named volume mounted on it starts owned by the unprivileged user.
RUN ln -s /app/bin/llmbatch.js /usr/local/bin/llmbatch && mkdir -p /data && chown node:node /data
USER node
WORKDIR /data
ENTRYPOINT ["llmbatch"]
CMD ["worker"]
