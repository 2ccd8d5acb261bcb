FROM busybox
CMD ["unterminated
