// syntax=registry.example/frontend:1
FROM busybox
