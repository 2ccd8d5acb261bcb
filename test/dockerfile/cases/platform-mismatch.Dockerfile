FROM example.com/arm64-only:1
RUN uname -m
