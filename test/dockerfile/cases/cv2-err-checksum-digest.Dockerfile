FROM busybox
ADD --checksum=md5:abc https://example.com/a /x
