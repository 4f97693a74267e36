# Builds the onevisit binary and runs it on a slim image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin onevisit

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/onevisit --create-home onevisit \
    && install -d -o onevisit -g onevisit /var/lib/onevisit/evidence
COPY --from=build /src/target/release/onevisit /usr/local/bin/onevisit
USER onevisit
WORKDIR /var/lib/onevisit
ENV ONEVISIT_LISTEN=0.0.0.0:8080 \
    ONEVISIT_EVIDENCE_DIR=/var/lib/onevisit/evidence
EXPOSE 8080
ENTRYPOINT ["onevisit"]
CMD ["serve"]
