# syntax=docker/dockerfile:1
# bbb-gateway and bbb-sim in one small runtime image.
#   docker build -t bbb-gateway .
#   docker run --rm bbb-gateway --help

# GraphiQL's offline bundle (GraphiQL, React, graphql-ws from npm, pinned by the lock file),
# served by the gateway from /usr/share/bbb-gateway/graphiql: /graphiql needs no CDN.
FROM node:20-bookworm-slim AS graphiql
WORKDIR /graphiql
COPY crates/gateway/graphiql/package.json crates/gateway/graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY crates/gateway/graphiql/src ./src
RUN npm run build

FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
# The cache mounts keep downloaded crates and compiled dependencies between builds; the
# binaries are copied out because the target directory is a cache, not part of the image.
# The `dist` profile (fat LTO, see Cargo.toml): slower to build, faster to run.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --profile dist --locked --bin bbb-gateway --bin bbb-sim \
    && mkdir -p /out \
    && cp target/dist/bbb-gateway target/dist/bbb-sim /out/

FROM debian:bookworm-slim
# ca-certificates: HTTPS to BBB servers and identity providers; curl: the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --home-dir /var/lib/bbb-gateway bbb-gateway
COPY --from=builder /out/bbb-gateway /out/bbb-sim /usr/local/bin/
COPY --from=graphiql /graphiql/dist /usr/share/bbb-gateway/graphiql
USER bbb-gateway
WORKDIR /var/lib/bbb-gateway
ENV BBB_GATEWAY_LISTEN=0.0.0.0:8080 \
    BBB_GATEWAY_LOG__FORMAT=json \
    BBB_GATEWAY_GRAPHQL__GRAPHIQL_ASSETS=/usr/share/bbb-gateway/graphiql
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["bbb-gateway"]
CMD ["serve"]
