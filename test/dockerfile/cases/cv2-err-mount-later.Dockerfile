FROM busybox AS first
RUN --mount=from=later,target=/l true
FROM busybox AS later
RUN true
FROM first
