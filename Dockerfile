# Builds a release binary and runs it on a slim image. PostgreSQL's client library and OpenSSL are
# compiled in (bundled), so the runtime image needs only CA certificates.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/agentdesk /usr/local/bin/agentdesk
RUN useradd --system --home /var/lib/agentdesk --create-home agentdesk
USER agentdesk
WORKDIR /var/lib/agentdesk
ENV AGENTDESK_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["agentdesk"]
CMD ["serve"]
