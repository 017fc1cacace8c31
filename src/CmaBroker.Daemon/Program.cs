using CmaBroker.Daemon.Hosting;

return await DaemonProgram.RunAsync(args).ConfigureAwait(false);
