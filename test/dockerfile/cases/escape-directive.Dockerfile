# escape=`
FROM busybox
RUN echo one `
    two `
    three
COPY c:\path\file /dst
ENV P=C:\dir
