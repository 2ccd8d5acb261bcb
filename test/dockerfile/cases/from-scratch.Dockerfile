FROM scratch
COPY . /
CMD ["/app"]
