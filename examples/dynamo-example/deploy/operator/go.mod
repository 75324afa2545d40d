module github.com/ai-dynamo/dynamo/deploy/operator

go 1.19
