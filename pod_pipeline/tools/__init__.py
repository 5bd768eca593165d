"""What a person runs, not what the pipeline is: the `pod-pipeline` command line, the demo and
dev commands, the stand-ins (Gelato sandbox, Supabase storage stand-in) and their servers, the
doctor, database migrations and the benchmarks."""
