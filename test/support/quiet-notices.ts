// The AWS SDK's notice that its 2027 releases need Node 22 is for users to read once, not for
// every test process to print among the results (the project pins the SDK by its lock).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
