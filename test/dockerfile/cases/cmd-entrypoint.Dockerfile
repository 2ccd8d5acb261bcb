FROM busybox AS one
CMD echo shell cmd
FROM busybox AS two
CMD ["json", "cmd"]
ENTRYPOINT ["/entry"]
FROM two AS three
ENTRYPOINT /shell/entry arg
CMD ["kept?"]
FROM three
ENTRYPOINT []
CMD []
