-- Schema 0005: the PDQ quality score of a picture, as the person's device computed it and the
-- hash code carried it, kept on the picture's PDQ row of case_hashes for partners who judge
-- matches by it. NULL on every other row, for videos, and for codes that carried no score.
-- It is cleared with the row's value when the case is withdrawn.
ALTER TABLE case_hashes ADD COLUMN quality INTEGER
    CHECK (quality IS NULL OR (quality BETWEEN 0 AND 100 AND signal = 'pdq'));
