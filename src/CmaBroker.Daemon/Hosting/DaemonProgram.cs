using CmaBroker.Daemon.Bus;
using CmaBroker.Daemon.Model;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Hosting;

/// <summary>cma-brokerd's entry: command line, --help/--version/--check-config, then the host until SIGTERM.</summary>
public static class DaemonProgram
{
    /// <summary>How long SIGTERM waits for in-flight exchanges before they are aborted.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(string[] args)
    {
        DaemonArguments arguments;
        BrokerConfig config;
        try
        {
            arguments = DaemonCommandLine.Parse(args);
            if (arguments.Help)
            {
                Console.Out.Write(HelpText.Text);
                return ExitCodes.Success;
            }
            if (arguments.Version)
            {
                Console.Out.WriteLine($"cma-brokerd {Objects.ManagerInterface.Version}");
                return ExitCodes.Success;
            }
            config = BrokerConfigLoader.Load(arguments.ConfigPath, arguments.Overrides);
            DaemonCommandLine.CheckEmulatorFaultDirectory(arguments, config);
            if (arguments.CheckConfig)
                return ConfigurationCheck.Run(arguments, Console.Out, Console.Error);
        }
        catch (CmaException error)
        {
            Console.Error.WriteLine($"cma-brokerd: {error.Message}");
            return ExitCodes.For(error.Kind);
        }

        using IHost host = BuildHost(arguments, config);
        ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("cma-brokerd");
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (CmaException error)
        {
            logger.LogCritical("Cannot start: {Reason}", error.Message);
            await StopQuietlyAsync(host).ConfigureAwait(false);
            return ExitCodes.For(error.Kind);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            logger.LogCritical("Cannot start: {Reason}", error.Message);
            await StopQuietlyAsync(host).ConfigureAwait(false);
            return error is UnauthorizedAccessException ? ExitCodes.PermissionDenied : ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested)
        {
            // SIGTERM (or SIGINT) arrived while starting: a clean stop, not a failure.
            logger.LogInformation("Stopped while starting");
            await StopQuietlyAsync(host).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        await host.WaitForShutdownAsync().ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static IHost BuildHost(DaemonArguments arguments, BrokerConfig config)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
        });
        LogLevel minimum = MinimumLevel(arguments.LogLevel);
        builder.Logging.SetMinimumLevel(minimum);
        // A failed start is reported once, by RunAsync, as one critical line with its reason; the host
        // would add the same failure with a stack trace at error level ("Hosting failed to start").
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= minimum && level != LogLevel.Error);
        // Under systemd: journald-friendly log format, READY=1 after StartAsync, STOPPING=1 on SIGTERM.
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton<SystemdNotifier>();
        builder.Services.AddSingleton<IBrokerModel>(services => BrokerModelFactory.Create(config, arguments, services.GetRequiredService<ILoggerFactory>()));
        // Before the bus service: state loaded and uevents subscribed before coldplug.
        builder.Services.AddHostedService<HotplugHostedService>();
        builder.Services.AddHostedService<BrokerBusService>();
        builder.Services.AddHostedService<WatchdogService>();
        builder.Services.AddHostedService<Metrics.NodeMetricsWriter>();
        return builder.Build();
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ShutdownTimeout);
            await host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is CmaException or OperationCanceledException or InvalidOperationException)
        {
            // Already failing to start: the first error is the one reported.
        }
    }

    private static LogLevel MinimumLevel(string? name) => name switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        _ => LogLevel.Information,
    };

    /// <summary>Names in logs and status lines.</summary>
    public const string BusName = BrokerNames.BusName;
}
