FROM busybox
ADD --checksum=aaaa https://example.com/r.git?checksum=bbbb /x
