"""`python -m interviewbot`: the command-line interface."""

from interviewbot.cli import main

if __name__ == "__main__":
    main()
