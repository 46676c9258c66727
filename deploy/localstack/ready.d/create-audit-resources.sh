#!/bin/sh
# LocalStack init hook (ready stage): the resources the aws-local compose setup points sinks at.
# Idempotent: LocalStack may keep state between starts.
set -eu
awslocal kinesis describe-stream-summary --stream-name audit >/dev/null 2>&1 ||
  awslocal kinesis create-stream --stream-name audit --shard-count 1
awslocal s3api head-bucket --bucket audit-archive >/dev/null 2>&1 ||
  awslocal s3 mb s3://audit-archive
echo "aws-local: Kinesis stream arn:aws:kinesis:${AWS_DEFAULT_REGION:-us-east-1}:000000000000:stream/audit, bucket audit-archive"
