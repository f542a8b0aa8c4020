using Konnect.Commands;

// Socket completions run on the epoll thread that saw them instead of hopping to the thread pool: a proxied request
// crosses four sockets, and on 2 cores the hand-offs were a visible share of the time (interleaved wrk runs: about
// +6-10 % requests per second; see docs/performance.md). Safe because nothing on the request path blocks a thread.
// Read once by the runtime when the first socket is made, so it must be set before anything opens one; an operator's
// own setting (e.g. 0) wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

// The commands and every setting of `konnect run` (flag, then KONNECT_* variable, then default) are declared in
// Commands/: KonnectCommand, RunCommandOptions, RedisCommandOptions.
return await new KonnectCommand(Environment.GetEnvironmentVariable).InvokeAsync(args);
