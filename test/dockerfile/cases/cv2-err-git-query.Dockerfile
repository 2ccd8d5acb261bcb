FROM busybox
ADD https://example.com/r.git?bad=1 /x
