using CmaBroker.Doe.Errors;
using CmaBroker.Service;

namespace CmaBroker.Daemon.Hosting;

/// <summary>--check-config: the service's own check (configuration, trust.d, reference.d); prints every problem, exits 0 or 2.</summary>
public static class ConfigurationCheck
{
    public static int Run(DaemonArguments arguments, TextWriter output, TextWriter errors)
    {
        IReadOnlyList<string> problems = BrokerService.CheckConfiguration(arguments.ConfigPath, arguments.Overrides);
        foreach (string problem in problems)
            errors.WriteLine($"cma-brokerd: {problem}");
        if (problems.Count > 0)
        {
            errors.WriteLine($"cma-brokerd: configuration invalid ({problems.Count} problems)");
            return ExitCodes.Usage;
        }
        output.WriteLine("configuration valid");
        return ExitCodes.Success;
    }
}
