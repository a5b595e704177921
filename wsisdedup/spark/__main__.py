"""`python -m wsisdedup.spark` runs the Spark command line (`wsisdedup.spark.command`)."""

from wsisdedup.spark.command import main

raise SystemExit(main())
