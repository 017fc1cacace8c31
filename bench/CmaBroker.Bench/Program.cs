using CmaBroker.Bench;

// DOE mailbox benchmark: exchanges/s and config accesses per exchange of the register driver
// (DoeMailbox) against the emulated device, beside a baseline measured in the same run: the
// emulator answering the same object directly, without the register interface.
//   dotnet run -c Release --project bench/CmaBroker.Bench -- [--quick] [--seconds N]
return MailboxBenchmark.Run(args);
