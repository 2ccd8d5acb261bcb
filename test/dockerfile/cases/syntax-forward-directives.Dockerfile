#!/usr/bin/env shebang
# escape=`
# syntax = registry.example/frontend:1 arg1  arg2
FROM busybox
