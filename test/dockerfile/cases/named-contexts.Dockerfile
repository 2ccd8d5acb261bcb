FROM base AS b
COPY --from=src /file /file
FROM b
RUN true
