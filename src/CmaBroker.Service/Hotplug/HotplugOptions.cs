using CmaBroker.Service.Configuration;

namespace CmaBroker.Service.Hotplug;

/// <summary>How the <see cref="HotplugCoordinator"/> reacts to PCI uevents.</summary>
public sealed record HotplugOptions
{
    /// <summary>Wait after <c>add</c> before the bound driver is re-checked and the mailbox first written.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Devices authenticated at once on hotplug (and on re-authentication).</summary>
    public int AuthenticationParallelism { get; init; } = 2;

    /// <summary>
    /// After events were lost, the rescan waits until no signal arrived for this long: the kernel drops
    /// broadcasts until the backlog is drained (docs/hotplug-and-state.md), so an early rescan would miss some.
    /// </summary>
    public TimeSpan RescanQuietTime { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Settle time and parallelism from the configuration.</summary>
    public static HotplugOptions From(BrokerConfig config, TimeProvider? time = null) => new()
    {
        SettleTime = config.SettleTime,
        AuthenticationParallelism = Math.Max(1, config.AuthenticationParallelism),
        Time = time ?? TimeProvider.System,
    };
}
