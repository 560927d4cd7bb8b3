"""Forms: static FlaskForms, and the questionnaire forms built from the rule set at run time."""
