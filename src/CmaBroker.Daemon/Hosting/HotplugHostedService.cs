using CmaBroker.Daemon.Model;
using CmaBroker.Service.Hotplug;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Hosting;

/// <summary>
/// Hotplug and state for cma-brokerd (docs/hotplug-and-state.md "Hotplug and state"). Registered before
/// <see cref="BrokerBusService"/>, so its StartAsync runs first: stored results are loaded and the uevent
/// listener is subscribed before coldplug, and devices found by coldplug show their previous result at once.
/// </summary>
public sealed class HotplugHostedService(IBrokerModel model, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private BrokerWiring? _wiring;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Only the service-backed model has devices that come and go.
        if (model is not ServiceBrokerModel serviceModel)
            return Task.CompletedTask;
        _wiring = new BrokerWiring(serviceModel.Service, loggers);
        _wiring.Attach();
        serviceModel.StoredHistory = _wiring.History;
        _wiring.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_wiring is { } wiring)
        {
            _wiring = null;
            await wiring.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_wiring is { } wiring)
            await wiring.DisposeAsync().ConfigureAwait(false);
    }
}
