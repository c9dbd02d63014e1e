-- Hours are desk data from here on; going back leaves them as they are.
SELECT 1;
