"""``python -m tests.replica.bench BASE_URL``: ``testbed.replica.bench``, first name."""

from testbed.replica.bench import main

if __name__ == "__main__":
    main()
