FROM --platform=linux/arm64/v8/x busybox
