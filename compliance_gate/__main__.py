from compliance_gate.cli import run_main

run_main()
